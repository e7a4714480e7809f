import { randomBytes } from 'node:crypto';
import type { Transaction, TransactionCreateRequest, Wallet } from '@tekana/contracts';
import { TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FundingAdmin,
  fundingAdmin,
  postTransaction,
  type SignedIn,
  useTestServer,
  waitUntilNotPending,
} from './harness';
import { expectEachNoticeOnce } from './notices';

// The sweeper runs every 200 ms, so that a hold of one second is voided within the test's patience; a
// database of its own, so that the notices of its captures reach this server's worker.
const server = useTestServer({ HOLD_SWEEP_INTERVAL_MS: '200' }, { ownDatabase: true });
let admin: SignedIn;
let floatRwf: Wallet;
let customerWithWallet: FundingAdmin['customerWithWallet'];
let walletOf: FundingAdmin['walletOf'];

beforeAll(async () => {
  ({ admin, floatRwf, customerWithWallet, walletOf } = await fundingAdmin(server));
});

function placeHold(
  payer: SignedIn & { wallet: Wallet },
  payee: { wallet: Wallet },
  amount: number,
  extra: Partial<TransactionCreateRequest> = {},
) {
  return postTransaction(server, payer, {
    transactionTypeCode: 'TRANSFER',
    debitedWalletId: payer.wallet.id,
    creditedWalletId: payee.wallet.id,
    amount,
    hold: true,
    ...extra,
  });
}

describe('holds over REST', () => {
  it('a hold answers 201 PENDING: the available balance drops, the current one does not', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const placed = await placeHold(alice, bob, 400);
    expect(placed.status).toBe(201);
    expect(placed.body.data).toMatchObject({ status: 'PENDING', amount: 400, debitedWalletBalance: 1_000 });
    const own = await server.rest<Wallet>('GET', `/wallets/${alice.wallet.id}`, undefined, alice.token);
    expect(own.body.data).toMatchObject({ currentBalance: 1_000, availableBalance: 600 });
    const overdraft = await placeHold(alice, bob, 601);
    expect(overdraft.status).toBe(422);
    expect(overdraft.body.data).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  });

  it('capture in part moves that much, releases the rest and sends the notices; a repeat answers the same', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const hold = (await placeHold(alice, bob, 400)).body.data;
    const path = `/transactions/${hold.id}/capture`;
    const captured = await server.rest<Transaction>('POST', path, { amount: 250 }, alice.token);
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({
      message: 'Hold captured',
      data: { id: hold.id, status: 'COMPLETED', amount: 250, debitedWalletBalance: 750 },
    });
    expect(await server.rest('POST', path, { amount: 250 }, alice.token)).toEqual(captured);
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 750, availableBalance: 750 });
    expect(await walletOf(bob.wallet.id)).toMatchObject({ currentBalance: 250 });
    const voided = await server.rest('POST', `/transactions/${hold.id}/void`, undefined, alice.token);
    expect(voided.status).toBe(409);
    expect(voided.body.data).toMatchObject({ code: 'HOLD_CAPTURED' });
    await expectEachNoticeOnce(server.gateway, [captured.body.data], floatRwf.id, 15_000);
  });

  it('capture of more than was held is 422 AMOUNT_OUT_OF_RANGE; bad input is 400', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const hold = (await placeHold(alice, bob, 400)).body.data;
    const path = `/transactions/${hold.id}/capture`;
    const tooMuch = await server.rest('POST', path, { amount: 401 }, alice.token);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.data).toMatchObject({ code: 'AMOUNT_OUT_OF_RANGE' });
    expect((await server.rest('POST', path, { amount: '5' }, alice.token)).status).toBe(400);
    expect((await placeHold(alice, bob, 10, { expiresInSeconds: 0 })).status).toBe(400);
    expect((await placeHold(alice, bob, 10, { expiresInSeconds: 604_801 })).status).toBe(400);
    expect((await placeHold(alice, bob, 10, { hold: false, expiresInSeconds: 60 })).status).toBe(400);
  });

  it('void cancels and releases; capture after it is 409 HOLD_VOIDED', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const hold = (await placeHold(alice, bob, 400)).body.data;
    const voided = await server.rest<Transaction>(
      'POST',
      `/transactions/${hold.id}/void`,
      undefined,
      alice.token,
    );
    expect(voided.status).toBe(200);
    expect(voided.body.data).toMatchObject({ status: 'CANCELLED' });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 1_000 });
    const captured = await server.rest('POST', `/transactions/${hold.id}/capture`, undefined, alice.token);
    expect(captured.status).toBe(409);
    expect(captured.body.data).toMatchObject({ code: 'HOLD_VOIDED' });
  });

  it('only the creator or an admin settles a hold: the payee gets 403, another customer 404', async () => {
    const [alice, bob, carol] = await Promise.all([
      customerWithWallet(1_000),
      customerWithWallet(0),
      customerWithWallet(0),
    ]);
    const hold = (await placeHold(alice, bob, 400)).body.data;
    for (const verb of ['capture', 'void']) {
      const path = `/transactions/${hold.id}/${verb}`;
      expect((await server.rest('POST', path, undefined, carol.token)).status).toBe(404);
      expect((await server.rest('POST', path, undefined, bob.token)).status).toBe(403);
      expect((await server.rest('POST', path)).status).toBe(401);
    }
    const voided = await server.rest('POST', `/transactions/${hold.id}/void`, undefined, admin.token);
    expect(voided.body.data).toMatchObject({ status: 'CANCELLED' });
  });

  it('a hold not captured in time is voided by the server ("Hold expired"), and capture after it is 409 HOLD_EXPIRED', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const hold = (await placeHold(alice, bob, 400, { expiresInSeconds: 1 })).body.data;
    const seen = await waitUntilNotPending(server, hold.id, alice.token, 10_000);
    expect(seen).toMatchObject({ status: 'CANCELLED', statusMessage: 'Hold expired' });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 1_000 });
    const captured = await server.rest('POST', `/transactions/${hold.id}/capture`, undefined, alice.token);
    expect(captured.status).toBe(409);
    expect(captured.body.data).toMatchObject({ code: 'HOLD_EXPIRED' });
  });

  it('describes capture and void in /openapi.json, and hold, expiresInSeconds and availableBalance', async () => {
    const doc = (await server.send('GET', '/openapi.json')).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.paths['/transactions/{id}/capture']).toHaveProperty('post');
    expect(doc.paths['/transactions/{id}/void']).toHaveProperty('post');
    const text = JSON.stringify(doc);
    for (const word of ['expiresInSeconds', 'availableBalance', 'HOLD_EXPIRED', 'NOT_A_HOLD']) {
      expect(text).toContain(word);
    }
  });
});

describe('holds over tRPC', () => {
  it('transaction.capture and transaction.void settle holds placed by transaction.create', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const client = server.trpc(alice.token);
    const place = (amount: number) =>
      client.transaction.create.mutate({
        externalReferenceNumber: `trpc-hold-${randomBytes(8).toString('hex')}`,
        transactionTypeCode: 'TRANSFER',
        debitedWalletId: alice.wallet.id,
        creditedWalletId: bob.wallet.id,
        amount,
        hold: true,
      });
    const [first, second] = [await place(300), await place(200)];
    expect(await client.wallet.get.query({ id: alice.wallet.id })).toMatchObject({ availableBalance: 500 });
    expect(await client.transaction.capture.mutate({ id: first.id })).toMatchObject({
      status: 'COMPLETED',
      amount: 300,
    });
    expect(await client.transaction.void.mutate({ id: second.id })).toMatchObject({ status: 'CANCELLED' });
    const refused = await client.transaction.capture
      .mutate({ id: second.id })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<never>).data).toMatchObject({
      code: 'CONFLICT',
      domainCode: 'HOLD_VOIDED',
    });
    expect(await client.wallet.get.query({ id: alice.wallet.id })).toMatchObject({
      currentBalance: 700,
      availableBalance: 700,
    });
  });
});
