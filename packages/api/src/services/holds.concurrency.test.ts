import { createDatabase, holds, verifyLedger } from '@tekana/db';
import { and, eq, sum } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { raceHoldsAndPostings, sweepHoldsMeanwhile } from '../../test/hold-race';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

// A real pool, so that holds, postings, captures, voids and the sweep truly run at once on the row locks.
const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '', maxConnections: 20 });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
});

describe('holds and postings at the same time on one wallet', () => {
  it('never spends more than is available, keeps held = the pending holds, and verifies clean', async () => {
    const balance = 1_000;
    const alice = await bed.fundedCustomer(balance);
    const receivers = await Promise.all(Array.from({ length: 4 }, () => bed.fundedCustomer(0)));
    const to = (i: number) => receivers[i % receivers.length]?.wallet.id ?? '';
    const sweep = sweepHoldsMeanwhile(bed);

    // Holds: a few expire at once, the others are captured (in full or in part), voided, or left.
    const outcomes = await raceHoldsAndPostings(bed, {
      payer: alice,
      to,
      amountOf: (i) => 5 + (i % 9),
      count: 240,
    });
    // The short holds fall due; a second wave of postings races the sweep that voids them.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const wave = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        outcomeOf(
          bed.services.ledger.post(alice.customer, posting('TRANSFER', alice.wallet.id, to(i), 3, bed.ref())),
        ),
      ),
    );
    outcomes.push(...wave);
    await sweep.stop();
    const due = await database.db
      .select()
      .from(holds)
      .where(and(eq(holds.debitedWalletId, alice.wallet.id), eq(holds.status, 'EXPIRED')));
    expect(due.length).toBeGreaterThan(0);

    // Refusals for lack of available funds are fine; anything else (a deadlock, a lost update) is not.
    expect(outcomes.filter((o) => o !== 'OK' && o !== 'INSUFFICIENT_FUNDS')).toEqual([]);
    expect(outcomes.filter((o) => o === 'INSUFFICIENT_FUNDS').length).toBeGreaterThan(0);
    const wallet = await bed.services.wallets.get(bed.admin, alice.wallet.id);
    expect(wallet.availableBalance).toBeGreaterThanOrEqual(0);
    const [pending] = await database.db
      .select({ held: sum(holds.amount).mapWith(Number) })
      .from(holds)
      .where(and(eq(holds.debitedWalletId, alice.wallet.id), eq(holds.status, 'PENDING')));
    expect(wallet.currentBalance - wallet.availableBalance).toBe(pending?.held ?? 0);
    const received = await Promise.all(receivers.map((r) => bed.balanceOf(r.wallet.id)));
    expect(received.reduce((a, b) => a + b, 0)).toBe(balance - wallet.currentBalance);
    expect(await verifyLedger(database.db)).toEqual([]);
  }, 60_000);
});
