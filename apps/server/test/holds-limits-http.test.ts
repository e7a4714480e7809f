import type { LimitExceeded, Transaction, TransactionCreateRequest } from '@tekana/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FundingAdmin,
  fundingAdmin,
  postTransaction,
  settleHold,
  useTestServer,
  waitUntilNotPending,
} from './harness';

// The sweeper runs every 200 ms, so that a hold of one second is given back within the test's patience; a
// database of its own: `stop()` runs verify on exactly what these tests posted.
const server = useTestServer({ HOLD_SWEEP_INTERVAL_MS: '200' }, { ownDatabase: true });
let funding: FundingAdmin;

beforeAll(async () => {
  funding = await fundingAdmin(server);
});

const DAY_LIMIT = { period: 'DAY', maxAmount: 1_000, maxCount: 3 } as const;

/** A customer on a wallet type of its own with the daily limit on it, a payee, and ways to pay or hold. */
async function limitedCustomer() {
  const { sender, payee, walletType } = await funding.limitedCustomer(1_000_000, DAY_LIMIT);
  const pay = (amount: number, extra: Partial<TransactionCreateRequest> = {}) =>
    postTransaction<Transaction & Partial<{ code: string } & LimitExceeded>>(server, sender, {
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: sender.wallet.id,
      creditedWalletId: payee.wallet.id,
      amount,
      ...extra,
    });
  const settle = (id: string, action: 'capture' | 'void', body?: { amount: number }) =>
    settleHold(server, sender, id, action, body);
  /** What the customer may still send now: the 422 of a posting over every cap says. */
  async function room() {
    const over = await pay(99_999);
    expect(over.status).toBe(422);
    expect(over.body.data.code).toBe('LIMIT_EXCEEDED');
    return { remainingAmount: over.body.data.remainingAmount, remainingCount: over.body.data.remainingCount };
  }
  async function hold(amount: number, expiresInSeconds = 600) {
    const placed = await pay(amount, { hold: true, expiresInSeconds });
    expect(placed.status).toBe(201);
    return placed.body.data;
  }
  return { sender, walletType, pay, settle, room, hold };
}

describe('holds under a daily limit of 1,000 and 3 postings, over REST', () => {
  it('a hold of 600 leaves 400; its void gives the 600 back, and a posting of 1,000 then goes through', async () => {
    const alice = await limitedCustomer();
    const held = await alice.hold(600);
    expect(await alice.room()).toEqual({ remainingAmount: 400, remainingCount: 2 });
    expect((await alice.pay(401)).status).toBe(422);
    expect((await alice.settle(held.id, 'void')).body.data).toMatchObject({ status: 'CANCELLED' });
    expect(await alice.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
    expect((await alice.pay(1_000)).status).toBe(201);
  });

  it('a hold the server expires gives its 600 and its count back', async () => {
    const bob = await limitedCustomer();
    const held = await bob.hold(600, 1);
    const seen = await waitUntilNotPending(server, held.id, bob.sender.token, 10_000);
    expect(seen).toMatchObject({ status: 'CANCELLED', statusMessage: 'Hold expired' });
    expect(await bob.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
    expect((await bob.pay(1_000)).status).toBe(201);
  });

  it('a capture of 250 of a 600 hold leaves 750 of room and one posting used', async () => {
    const carol = await limitedCustomer();
    const held = await carol.hold(600);
    const captured = await carol.settle(held.id, 'capture', { amount: 250 });
    expect(captured.body.data).toMatchObject({ status: 'COMPLETED', amount: 250 });
    expect(await carol.room()).toEqual({ remainingAmount: 750, remainingCount: 2 });
    expect((await carol.pay(750)).status).toBe(201);
  });

  it('a full capture changes nothing, and is not checked against a cap lowered since the hold', async () => {
    const dave = await limitedCustomer();
    const held = await dave.hold(600);
    const lowered = { walletTypeId: dave.walletType.id, ...DAY_LIMIT, maxAmount: 100 };
    expect((await server.rest('PUT', '/limits', lowered, funding.admin.token)).status).toBe(200);
    const captured = await dave.settle(held.id, 'capture');
    expect(captured.status).toBe(200);
    expect(captured.body.data).toMatchObject({ status: 'COMPLETED', amount: 600 });
    expect(await dave.room()).toEqual({ remainingAmount: 0, remainingCount: 2 });
  });
});
