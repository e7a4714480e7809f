import { randomBytes } from 'node:crypto';
import type { Limit, LimitExceeded, Transaction, Wallet } from '@tekana/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerWithFundedWallet, fundingAdmin, type SignedIn, useTestServer } from './harness';
import { walletTypeLikePersonal } from './server-process';

// The sweeper runs every 200 ms, so that a hold of one second is given back within the test's patience; a
// database of its own: `stop()` runs verify on exactly what these tests posted.
const server = useTestServer({ HOLD_SWEEP_INTERVAL_MS: '200' }, { ownDatabase: true });
let admin: SignedIn;
let float: Wallet;

beforeAll(async () => {
  ({ admin, floatRwf: float } = await fundingAdmin(server));
});

const DAY_LIMIT = { period: 'DAY', maxAmount: 1_000, maxCount: 3 };

/** A customer on a wallet type of its own with the daily limit on it, a payee, and ways to pay or hold. */
async function limitedCustomer() {
  const walletType = await walletTypeLikePersonal(server.url, admin.token);
  const set = await server.rest<Limit>(
    'PUT',
    '/limits',
    { walletTypeId: walletType.id, ...DAY_LIMIT },
    admin.token,
  );
  expect(set.status).toBe(200);
  const [sender, payee] = await Promise.all([
    customerWithFundedWallet(server, admin, float, 1_000_000, walletType.code),
    customerWithFundedWallet(server, admin, float, 0),
  ]);
  const pay = (amount: number, extra: Record<string, unknown> = {}) =>
    server.rest<Transaction & Partial<{ code: string } & LimitExceeded>>(
      'POST',
      '/transactions',
      {
        externalReferenceNumber: `hold-limit-${randomBytes(8).toString('hex')}`,
        transactionTypeCode: 'TRANSFER',
        debitedWalletId: sender.wallet.id,
        creditedWalletId: payee.wallet.id,
        amount,
        ...extra,
      },
      sender.token,
    );
  const settle = (id: string, action: 'capture' | 'void', body?: object) =>
    server.rest<Transaction>('POST', `/transactions/${id}/${action}`, body, sender.token);
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
    let seen: Transaction | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen = (await server.rest<Transaction>('GET', `/transactions/${held.id}`, undefined, bob.sender.token))
        .body.data;
      if (seen.status !== 'PENDING') break;
    }
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
    expect((await server.rest('PUT', '/limits', lowered, admin.token)).status).toBe(200);
    const captured = await dave.settle(held.id, 'capture');
    expect(captured.status).toBe(200);
    expect(captured.body.data).toMatchObject({ status: 'COMPLETED', amount: 600 });
    expect(await dave.room()).toEqual({ remainingAmount: 0, remainingCount: 2 });
  });
});
