import type { Transaction } from '@tekana/contracts';
import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

// A real pool, so that the postings below truly run at once and meet on the row locks.
const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '', maxConnections: 20 });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
});

async function allPostingsOf(walletId: string) {
  const all: Transaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await bed.services.transactions.list(bed.admin, { walletId, limit: 100, cursor });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

describe('postings at the same time', () => {
  it('lets exactly floor(balance / amount) of 200 parallel transfers from one wallet through, and refuses the rest', async () => {
    const balance = 1_000;
    const amount = 7;
    const alice = await bed.fundedCustomer(balance);
    const receivers = await Promise.all(Array.from({ length: 5 }, () => bed.fundedCustomer(0)));
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const to = receivers[i % receivers.length]?.wallet.id ?? '';
        return outcomeOf(
          bed.services.ledger.post(
            alice.customer,
            posting('TRANSFER', alice.wallet.id, to, amount, bed.ref()),
          ),
        );
      }),
    );
    const succeeded = Math.floor(balance / amount);
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(succeeded);
    expect(outcomes.filter((o) => o === 'INSUFFICIENT_FUNDS')).toHaveLength(200 - succeeded);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(balance - succeeded * amount);
    const received = await Promise.all(receivers.map((r) => bed.balanceOf(r.wallet.id)));
    expect(received.reduce((a, b) => a + b, 0)).toBe(succeeded * amount);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('never deadlocks when A pays B and B pays A at the same moment', async () => {
    const a = await bed.fundedCustomer(500);
    const b = await bed.fundedCustomer(500);
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const [from, to] = i % 2 ? [a, b] : [b, a];
        return outcomeOf(
          bed.services.ledger.post(
            from.customer,
            posting('TRANSFER', from.wallet.id, to.wallet.id, 10 + (i % 7), bed.ref()),
          ),
        );
      }),
    );
    // Refusals for lack of funds are fine; anything else (a deadlock, a serialization failure) is not.
    expect(outcomes.filter((o) => o !== 'OK' && o !== 'INSUFFICIENT_FUNDS')).toEqual([]);
    const balances = await Promise.all([bed.balanceOf(a.wallet.id), bed.balanceOf(b.wallet.id)]);
    expect(balances[0] + balances[1]).toBe(1_000);
    expect(Math.min(...balances)).toBeGreaterThanOrEqual(0);
    const history = await allPostingsOf(a.wallet.id);
    const net = history.reduce(
      (sum, t) => sum + (t.creditedWalletId === a.wallet.id ? t.amount : -t.amount),
      0,
    );
    expect(net).toBe(balances[0]);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('posts once for 20 parallel copies of one request through a pool, all answered alike', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 100, bed.ref());
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => bed.services.ledger.post(alice.customer, request)),
    );
    expect(new Set(answers.map((t) => JSON.stringify(t))).size).toBe(1);
    expect(await bed.balanceOf(bob.wallet.id)).toBe(100);
  });
});
