import { createDatabase, holds, limitUsage, transactions, verifyLedger } from '@tekana/db';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { raceHoldsAndPostings, sweepHoldsMeanwhile } from '../../test/hold-race';
import { createTestbed, type Testbed } from '../../test/ledger-testbed';

// A real pool, so that holds, captures, voids, the sweep and postings truly race on the wallet's lock.
const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '', maxConnections: 20 });
let bed: Testbed;
// One day of the ledger's clock for the whole race (a hold's expiry runs on the database's clock).
const now = new Date('2026-04-09T10:00:00.000Z');

beforeAll(async () => {
  bed = await createTestbed(database, { clock: { now: () => now } });
});
afterAll(async () => {
  await database.close();
});

const MAX_AMOUNT = 1_000;
const MAX_COUNT = 25;

describe('holds, captures, voids, expiries and postings racing under a daily limit', () => {
  it('never let more through than fits, count exactly what stands, and verify clean', async () => {
    const walletType = await bed.ownWalletType();
    await bed.services.periodLimits.set(bed.admin, {
      walletTypeId: walletType.id,
      period: 'DAY',
      maxAmount: MAX_AMOUNT,
      maxCount: MAX_COUNT,
    });
    // Money enough for everything: only the limit refuses.
    const alice = await bed.fundedCustomer(1_000_000, 'RWF', walletType.code);
    const receivers = await Promise.all(Array.from({ length: 4 }, () => bed.fundedCustomer(0)));
    const to = (i: number) => receivers[i % receivers.length]?.wallet.id ?? '';
    const sweep = sweepHoldsMeanwhile(bed);
    // Holds: a few expire at once; the others are captured (in full or in part), voided, or left.
    const race = (count: number, offset: number) =>
      raceHoldsAndPostings(bed, {
        payer: alice,
        to,
        amountOf: (i) => 20 + ((i * 7) % 61),
        count,
        offset,
        capturesInFull: (i) => i % 7 === 2,
      });
    const outcomes = await race(200, 0);
    // The short holds fall due; a second wave races the sweep that gives them back.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    outcomes.push(...(await race(100, 200)));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await sweep.stop();

    // Refusals by the limit are expected; anything else (a deadlock, a lost update) is not.
    expect(outcomes.filter((o) => o !== 'OK' && o !== 'LIMIT_EXCEEDED')).toEqual([]);
    expect(outcomes.filter((o) => o === 'LIMIT_EXCEEDED').length).toBeGreaterThan(0);
    const released = await database.db
      .select()
      .from(holds)
      .where(and(eq(holds.debitedWalletId, alice.wallet.id), inArray(holds.status, ['VOIDED', 'EXPIRED'])));
    expect(released.some((h) => h.status === 'EXPIRED')).toBe(true);

    // What stands against the limit: the postings that moved money and the holds still pending.
    const standing = await database.db
      .select({ amount: transactions.amount })
      .from(transactions)
      .where(
        and(
          eq(transactions.debitedWalletId, alice.wallet.id),
          inArray(transactions.status, ['COMPLETED', 'PENDING']),
        ),
      );
    const standingAmount = standing.reduce((sum, t) => sum + t.amount, 0);
    expect(standingAmount).toBeLessThanOrEqual(MAX_AMOUNT);
    expect(standing.length).toBeLessThanOrEqual(MAX_COUNT);
    // The counter agrees exactly: every release gave back what it took, once, under the wallet's lock.
    const [usage] = await database.db
      .select()
      .from(limitUsage)
      .where(eq(limitUsage.walletId, alice.wallet.id));
    expect(usage).toMatchObject({ amount: standingAmount, count: standing.length });
    const sent = 1_000_000 - (await bed.balanceOf(alice.wallet.id));
    const received = await Promise.all(receivers.map((r) => bed.balanceOf(r.wallet.id)));
    expect(received.reduce((a, b) => a + b, 0)).toBe(sent);
    expect(await verifyLedger(database.db)).toEqual([]);
  }, 60_000);
});
