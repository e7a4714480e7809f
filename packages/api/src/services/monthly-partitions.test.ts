import type { Actor } from '@tekana/contracts';
import {
  createDatabase,
  type Database,
  listTransactionPartitions,
  makePartitionsAhead,
  openAtMigration,
  PARTITION_MONTHS_AHEAD,
  verifyLedger,
} from '@tekana/db';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase, type OwnDatabase } from '../../../../test/own-database';
import {
  type LedgerAt0003,
  monthStart,
  NEWEST_FIRST,
  partitionOf,
  ROWS_AS_AT_0003,
  writeLedgerAt0003,
} from '../../test/ledger-at-0003';
import {
  createRecordingLogger,
  createTestbed,
  outcomeOf,
  posting,
  type Testbed,
} from '../../test/ledger-testbed';
import { systemClock } from '../ports/clock';
import { createDailyMaintenance } from './daily-maintenance';

/**
 * Migration 0004 on PostgreSQL: a ledger written at migration 0003 (one unpartitioned table, postings over
 * three months) is migrated into monthly partitions with every row, key and list as it was; then the
 * ledger keeps its promises across months. A database of this file's own.
 */
let own: OwnDatabase | undefined;
let client: postgres.Sql;
const run = (text: string, params: unknown[] = []) => client.unsafe(text, params as never[]);

let before: { rows: string[]; newestFirst: string[]; alicesNewestFirst: string[] };
let ledger: LedgerAt0003;
let database: Database;
let bed: Testbed;

beforeAll(async () => {
  own = await createOwnDatabase({ label: 'months', verifyLedger: false });
  client = postgres(own.url, { max: 4, onnotice: () => {} });
  const older = await openAtMigration({ databaseUrl: own.url }, '0003_read_indexes');
  ledger = await writeLedgerAt0003(older.run);
  await older.close();
  before = {
    rows: (await run(ROWS_AS_AT_0003)).map((r) => r.row as string),
    newestFirst: (await run(NEWEST_FIRST)).map((r) => r.id as string),
    alicesNewestFirst: (
      await run(
        'select id from transactions where $1 in (debited_wallet_id, credited_wallet_id) order by created_at desc, id desc',
        [ledger.aliceWalletId],
      )
    ).map((r) => r.id as string),
  };
  database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  await database.migrate();
  bed = await createTestbed(database);
});
afterAll(async () => {
  await client?.end();
  await database?.close();
  await own?.drop();
});

/** Every page of a list, following nextCursor, as posting ids. */
async function allPages(actor: Actor, filter: { walletId?: string }, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bed.services.transactions.list(actor, { ...filter, limit, cursor });
    ids.push(...page.items.map((t) => t.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

describe('migration 0004 takes a ledger written at 0003 into monthly partitions', () => {
  it('makes transactions a table partitioned by month, one partition per month its postings span', async () => {
    const [table] = await run(`select relkind from pg_class where relname = 'transactions'`);
    expect(table?.relkind).toBe('p');
    const months = await listTransactionPartitions(run);
    for (let m = -3; m <= 0; m++) expect(months).toContain(partitionOf(monthStart(m)));
  });

  it('keeps every row as it was, and the ledger verifies clean', async () => {
    const rows = (await run(ROWS_AS_AT_0003)).map((r) => r.row as string);
    expect(rows).toEqual(before.rows);
    expect(rows).toHaveLength(ledger.postings);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('gives every posting its keys in posting_keys, each unique, pointing at the row and its month', async () => {
    const [keys] = await run(`
      select count(*)::int as keys, count(distinct k.reference_number)::int as references,
        count(t.id)::int as matched
      from posting_keys k
      left join transactions t on t.id = k.transaction_id and t.created_at = k.created_at
        and t.external_reference_number = k.external_reference_number and t.reference_number = k.reference_number`);
    expect(keys).toEqual({ keys: ledger.postings, references: ledger.postings, matched: ledger.postings });
  });

  it('puts the last posting of a month and the first of the next, a millisecond apart, in their own months', async () => {
    const [last] = await run('select tableoid::regclass::text as month from transactions where id = $1', [
      ledger.lastOfMonth.id,
    ]);
    const [first] = await run('select tableoid::regclass::text as month from transactions where id = $1', [
      ledger.firstOfMonth.id,
    ]);
    expect(last?.month).toBe(partitionOf(ledger.lastOfMonth.at));
    expect(first?.month).toBe(partitionOf(ledger.firstOfMonth.at));
    expect(last?.month).not.toBe(first?.month);
  });

  it('lists the same postings in the same order, page after page across the months', async () => {
    expect(await allPages(bed.admin, {}, 5)).toEqual(before.newestFirst);
    expect(await allPages(bed.admin, { walletId: ledger.aliceWalletId }, 4)).toEqual(
      before.alicesNewestFirst,
    );
    expect(await allPages(ledger.alice, {}, 3)).toEqual(before.alicesNewestFirst);
  });

  it('finds a posting of an earlier month by its references', async () => {
    const [row] = await run('select reference_number as ref from transactions where id = $1', [
      ledger.original.id,
    ]);
    const byReference = await bed.services.transactions.list(bed.admin, {
      referenceNumber: row?.ref as string,
    });
    const byKey = await bed.services.transactions.list(ledger.alice, {
      externalReferenceNumber: ledger.original.input.externalReferenceNumber,
    });
    expect(byReference.items.map((t) => t.id)).toEqual([ledger.original.id]);
    expect(byKey.items.map((t) => t.id)).toEqual([ledger.original.id]);
  });
});

describe('the ledger across months', () => {
  it('answers a request replayed months later with the original posting, and its key with another payload with 409', async () => {
    const replay = await bed.services.ledger.post(ledger.alice, ledger.original.input);
    expect(replay).toMatchObject({ id: ledger.original.id, createdAt: ledger.original.at.toISOString() });
    const changed = { ...ledger.original.input, amount: ledger.original.input.amount + 1 };
    expect(await outcomeOf(bed.services.ledger.post(ledger.alice, changed))).toBe('IDEMPOTENCY_CONFLICT');
    const [count] = await run(
      'select count(*)::int as n from transactions where external_reference_number = $1',
      [ledger.original.input.externalReferenceNumber],
    );
    expect(count?.n).toBe(1);
  });

  it('posts once under a key that many callers send at once, in this month', async () => {
    const input = posting('TRANSFER', ledger.aliceWalletId, ledger.bobWalletId, 10, bed.ref());
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => bed.services.ledger.post(ledger.alice, input)),
    );
    expect(new Set(answers.map((t) => t.id)).size).toBe(1);
    const [row] = await run(
      'select tableoid::regclass::text as month, created_at from transactions where id = $1',
      [answers[0]?.id],
    );
    expect(row?.month).toBe(partitionOf(new Date(row?.created_at as string)));
  });

  it('reverses a posting of an earlier month once, and refuses a posting reversed before the migration', async () => {
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: ledger.reversible.id });
    expect(reversal.reversalOf).toBe(ledger.reversible.id);
    expect(await outcomeOf(bed.services.ledger.reverse(bed.admin, { id: ledger.reversible.id }))).toBe(
      'ALREADY_REVERSED',
    );
    expect(await outcomeOf(bed.services.ledger.reverse(bed.admin, { id: ledger.reversed.id }))).toBe(
      'ALREADY_REVERSED',
    );
    const [original] = await run('select status from transactions where id = $1', [ledger.reversible.id]);
    expect(original?.status).toBe('REVERSED');
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});

describe('partition maintenance', () => {
  it('has made this month and the months ahead at migration', async () => {
    const months = await listTransactionPartitions(run);
    for (let m = 0; m <= PARTITION_MONTHS_AHEAD; m++) expect(months).toContain(partitionOf(monthStart(m)));
  });

  it('makes the months ahead once when several servers ask at once, and nothing when asked again', async () => {
    const from = new Date(Date.UTC(2040, 0, 15));
    const made = await Promise.all(
      Array.from({ length: 4 }, () => makePartitionsAhead(database, { from, monthsAhead: 2 })),
    );
    expect(made.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await makePartitionsAhead(database, { from, monthsAhead: 2 })).toBe(0);
    const months = await listTransactionPartitions(run);
    expect(months.filter((m) => m.startsWith('transactions_p2040'))).toEqual([
      'transactions_p2040_01',
      'transactions_p2040_02',
      'transactions_p2040_03',
    ]);
  });

  it('makes a missing month ahead when a server starts, and says so', async () => {
    const ahead = partitionOf(monthStart(PARTITION_MONTHS_AHEAD));
    await run(`drop table ${ahead}`);
    const log = createRecordingLogger();
    const maintenance = createDailyMaintenance({ database, log, clock: systemClock });
    maintenance.start();
    await maintenance.stop();
    expect(await listTransactionPartitions(run)).toContain(ahead);
    expect(log.lines).toContainEqual({ level: 'info', obj: { made: 1 }, msg: expect.any(String) });
  });

  it('gives a month made ahead every index and check of transactions', async () => {
    const [made] = await run(`
      select (select count(*) from pg_indexes where tablename = 'transactions_p2040_01')::int as indexes,
        (select count(*) from pg_indexes where tablename = 'transactions')::int as expected,
        (select count(*) from pg_constraint where conrelid = 'transactions_p2040_01'::regclass and contype in ('c', 'f'))::int as checks,
        (select count(*) from pg_constraint where conrelid = 'transactions'::regclass and contype in ('c', 'f'))::int as "expectedChecks"`);
    expect(made?.indexes).toBe(made?.expected);
    // Its two checks (amount, two wallets); no foreign keys since migration 0009.
    expect(made?.checks).toBe(made?.expectedChecks);
    expect(made?.checks).toBe(2);
  });
});
