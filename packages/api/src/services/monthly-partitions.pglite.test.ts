import {
  createDatabase,
  type Database,
  listTransactionPartitions,
  openAtMigration,
  verifyLedger,
} from '@tekana/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import {
  monthStart,
  NEWEST_FIRST,
  partitionOf,
  ROWS_AS_AT_0003,
  writeLedgerAt0003,
} from '../../test/ledger-at-0003';
import { createTestbed, outcomeOf } from '../../test/ledger-testbed';

const own = createOwnDataDir('months');
let database: Database | undefined;

afterAll(async () => {
  await database?.close();
  own.remove();
});

describe('migration 0004 on embedded PGlite', () => {
  it('takes a .data/ written at 0003 into monthly partitions, with its rows, keys and lists, and keeps idempotency across months', async () => {
    // The older version's data directory: migrated to 0003, postings over three months, closed.
    const older = await openAtMigration({ dataDir: own.dataDir }, '0003_read_indexes');
    const run = older.run;
    const ledger = await writeLedgerAt0003(run);
    const rowsBefore = (await run(ROWS_AS_AT_0003)).map((r) => r.row);
    const newestFirst = (await run(NEWEST_FIRST)).map((r) => r.id);
    await older.close();

    database = createDatabase({ dataDir: own.dataDir });
    const bed = await createTestbed(database);
    const rows = await database.transact(async (again) => ({
      now: (await again(ROWS_AS_AT_0003)).map((r) => r.row),
      months: await listTransactionPartitions(again),
      keys: await again('select count(*)::int as n from posting_keys'),
      boundary: await again(
        'select id, tableoid::regclass::text as month from transactions where id = any($1)',
        [[ledger.lastOfMonth.id, ledger.firstOfMonth.id]],
      ),
    }));
    expect(rows.now).toEqual(rowsBefore);
    expect(rows.keys[0]?.n).toBe(ledger.postings);
    for (let m = -3; m <= 1; m++) expect(rows.months).toContain(partitionOf(monthStart(m)));
    expect(Object.fromEntries(rows.boundary.map((r) => [r.id, r.month]))).toEqual({
      [ledger.lastOfMonth.id]: partitionOf(ledger.lastOfMonth.at),
      [ledger.firstOfMonth.id]: partitionOf(ledger.firstOfMonth.at),
    });
    expect(await verifyLedger(database.db)).toEqual([]);

    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await bed.services.transactions.list(bed.admin, { limit: 7, cursor });
      listed.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(listed).toEqual(newestFirst);

    const replay = await bed.services.ledger.post(ledger.alice, ledger.original.input);
    expect(replay.id).toBe(ledger.original.id);
    const changed = { ...ledger.original.input, amount: 1 };
    expect(await outcomeOf(bed.services.ledger.post(ledger.alice, changed))).toBe('IDEMPOTENCY_CONFLICT');
    await bed.services.ledger.reverse(bed.admin, { id: ledger.reversible.id });
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
