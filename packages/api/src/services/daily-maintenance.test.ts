import { createDatabase, type Database, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase, type OwnDatabase } from '../../../../test/own-database';
import { createRecordingLogger, createTestbed, outcomeOf, type Testbed } from '../../test/ledger-testbed';
import { createDailyMaintenance } from './daily-maintenance';

// A database of this file's own: the daily round deletes every ended period's usage in the database, which
// would take the counters from under other files' tests that post with clocks in the past.
let own: OwnDatabase;
let database: Database;
let bed: Testbed;
let now = new Date('2026-01-10T10:00:00.000Z');
const clock = { now: () => now };

beforeAll(async () => {
  own = await createOwnDatabase({ label: 'maintenance' });
  database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  bed = await createTestbed(database, { clock });
});
afterAll(async () => {
  await database.close();
  await own.drop();
});

const usagePeriods = async (walletId: string) =>
  (
    await database.transact((run) =>
      run('select period_start from limit_usage where wallet_id = $1 order by period_start', [walletId]),
    )
  ).map((r) => new Date(r.period_start as string).toISOString());

describe('the daily round', () => {
  it('deletes the usage of limit periods that ended, and the limits of the periods under way still hold', async () => {
    const sender = await bed.limitedSender(10_000, [
      { period: 'DAY', maxAmount: 500 },
      { period: 'MONTH', maxAmount: 500 },
    ]);
    const { send } = sender;
    const january = await send(400);
    now = new Date('2026-03-01T10:00:00.000Z');
    await send(300);
    // Kigali's days and months (UTC+2) start at 22:00 UTC the day before: January's month and its 10th,
    // then March's month and its 1st, which start together.
    const march = '2026-02-28T22:00:00.000Z';
    expect(await usagePeriods(sender.wallet.id)).toEqual([
      '2025-12-31T22:00:00.000Z',
      '2026-01-09T22:00:00.000Z',
      march,
      march,
    ]);

    const log = createRecordingLogger();
    await createDailyMaintenance({ database, log, clock }).runDaily();
    // January's day and month ended more than 40 days ago; March's began today.
    expect(await usagePeriods(sender.wallet.id)).toEqual([march, march]);
    expect(log.lines).toContainEqual({ level: 'info', obj: { pruned: 2 }, msg: expect.any(String) });

    // Today's 300 still count: 200 left of the day's and the month's 500.
    expect(await outcomeOf(send(201))).toBe('LIMIT_EXCEEDED');
    // January's posting reversed: nothing left to give back to January, and today's usage untouched.
    await bed.services.ledger.reverse(bed.admin, { id: january.id });
    expect(await outcomeOf(send(201))).toBe('LIMIT_EXCEEDED');
    expect(await outcomeOf(send(200))).toBe('OK');
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
