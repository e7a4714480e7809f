import { randomBytes } from 'node:crypto';
import type {
  AuditEntry,
  Limit,
  LimitExceeded,
  Page,
  Transaction,
  Wallet,
  WalletType,
} from '@tekana/contracts';
import { TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FundingAdmin,
  fundingAdmin,
  postTransaction,
  registerAndSignIn,
  type SignedIn,
  useTestServer,
} from './harness';
import { walletTypeLikePersonal } from './rest-client';

// A database of its own: `stop()` runs verify on exactly what the races below posted.
const server = useTestServer({}, { ownDatabase: true });
let admin: SignedIn;
let limitedCustomer: FundingAdmin['limitedCustomer'];

beforeAll(async () => {
  ({ admin, limitedCustomer } = await fundingAdmin(server));
});

const ref = () => `limit-${randomBytes(8).toString('hex')}`;

function transfer(actor: SignedIn, from: Wallet, to: Wallet, amount: number) {
  return postTransaction<Transaction & Partial<{ code: string } & LimitExceeded>>(server, actor, {
    transactionTypeCode: 'TRANSFER',
    debitedWalletId: from.id,
    creditedWalletId: to.id,
    amount,
  });
}

describe('PUT and GET /limits', () => {
  let walletType: WalletType;
  let customer: SignedIn;
  beforeAll(async () => {
    walletType = await walletTypeLikePersonal(server.url, admin.token);
    customer = await registerAndSignIn(server);
  });

  it('lets an admin set, change and list limits, each change in the audit log', async () => {
    const body = { walletTypeId: walletType.id, period: 'DAY', maxAmount: 50_000 };
    const created = await server.rest<Limit>('PUT', '/limits', body, admin.token);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      status: 200,
      message: 'Limit set',
      data: {
        walletTypeId: walletType.id,
        transactionTypeId: null,
        period: 'DAY',
        maxAmount: 50_000,
        maxCount: null,
      },
    });
    // The old numeric code of the period (0 = DAY) reaches the same limit.
    const changed = await server.rest<Limit>(
      'PUT',
      '/limits',
      { ...body, period: 0, maxCount: 10 },
      admin.token,
    );
    expect(changed.body.data).toMatchObject({ id: created.body.data.id, maxAmount: 50_000, maxCount: 10 });
    const monthly = await server.rest<Limit>('PUT', '/limits', { ...body, period: 'MONTH' }, admin.token);

    const listed = await server.rest<Page<Limit>>(
      'GET',
      `/limits?walletTypeId=${walletType.id}&period=DAY`,
      undefined,
      admin.token,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data.items.map((l) => l.id)).toEqual([created.body.data.id]);
    const both = await server.rest<Page<Limit>>(
      'GET',
      `/limits?walletTypeId=${walletType.id}&limit=1`,
      undefined,
      admin.token,
    );
    expect(both.body.data.items.map((l) => l.id)).toEqual([monthly.body.data.id]);
    expect(both.body.data.nextCursor).not.toBeNull();

    const audit = await server.rest<Page<AuditEntry>>(
      'GET',
      `/audit?entityId=${created.body.data.id}`,
      undefined,
      admin.token,
    );
    expect(audit.body.data.items.map((a) => a.action)).toEqual(['limit.update', 'limit.create']);
  });

  it('is for admins only: a customer gets 403, no token 401', async () => {
    const body = { walletTypeId: walletType.id, period: 'DAY', maxAmount: 1 };
    expect((await server.rest('PUT', '/limits', body, customer.token)).status).toBe(403);
    expect((await server.rest('GET', '/limits', undefined, customer.token)).status).toBe(403);
    expect((await server.rest('PUT', '/limits', body)).status).toBe(401);
    await expect(server.trpc(customer.token).limit.list.query({})).rejects.toMatchObject({
      data: { httpStatus: 403 },
    });
  });

  it('answers 400 for a limit with no cap, a cap of zero or an unknown period, 404 for an unknown wallet type', async () => {
    const put = (body: object) => server.rest<{ code: string }>('PUT', '/limits', body, admin.token);
    const base = { walletTypeId: walletType.id, period: 'DAY' };
    for (const body of [
      base,
      { ...base, maxAmount: 0 },
      { ...base, maxCount: 1.5 },
      { ...base, maxAmount: 1, period: 'WEEK' },
    ]) {
      const answer = await put(body);
      expect([answer.status, answer.body.data.code]).toEqual([400, 'BAD_REQUEST']);
    }
    const unknown = await put({
      ...base,
      walletTypeId: '00000000-0000-4000-8000-000000000000',
      maxAmount: 1,
    });
    expect([unknown.status, unknown.body.data.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('removes a limit with DELETE /limits/{id}, after which it no longer holds', async () => {
    const { sender, payee, limit } = await limitedCustomer(1_000, { period: 'DAY', maxAmount: 100 });
    expect((await transfer(sender, sender.wallet, payee.wallet, 101)).status).toBe(422);
    const removed = await server.rest<Limit>('DELETE', `/limits/${limit.id}`, undefined, admin.token);
    expect([removed.status, removed.body.message, removed.body.data.id]).toEqual([
      200,
      'Limit removed',
      limit.id,
    ]);
    expect((await transfer(sender, sender.wallet, payee.wallet, 101)).status).toBe(201);
    expect((await server.rest('DELETE', `/limits/${limit.id}`, undefined, admin.token)).status).toBe(404);
  });

  it('works over tRPC too: limit.set and limit.list', async () => {
    const trpc = server.trpc(admin.token);
    const set = await trpc.limit.set.mutate({ walletTypeId: walletType.id, period: 'MONTH', maxCount: 30 });
    expect(set).toMatchObject({ maxAmount: null, maxCount: 30 });
    const page = await trpc.limit.list.query({ walletTypeId: walletType.id, period: 'MONTH' });
    expect(page.items).toEqual([set]);
  });
});

describe('a posting over a limit', () => {
  it('is refused with 422 LIMIT_EXCEEDED, what is left and when the day turns in Kigali, over REST and tRPC', async () => {
    const { sender, payee } = await limitedCustomer(10_000, { period: 'DAY', maxAmount: 1_000, maxCount: 5 });
    expect((await transfer(sender, sender.wallet, payee.wallet, 700)).status).toBe(201);
    const over = await transfer(sender, sender.wallet, payee.wallet, 301);
    expect(over.status).toBe(422);
    expect(over.body.data).toEqual({
      code: 'LIMIT_EXCEEDED',
      remainingAmount: 300,
      remainingCount: 4,
      resetsAt: expect.any(String),
    });
    // The next midnight in Kigali (UTC+2, no daylight saving time): 22:00 UTC, within a day from now.
    const resetsAt = new Date(over.body.data.resetsAt ?? '');
    expect(resetsAt.toISOString()).toMatch(/T22:00:00\.000Z$/);
    expect(resetsAt.getTime() - Date.now()).toBeGreaterThan(0);
    expect(resetsAt.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);

    const error = await server
      .trpc(sender.token)
      .transaction.create.mutate({
        externalReferenceNumber: ref(),
        transactionTypeCode: 'TRANSFER',
        debitedWalletId: sender.wallet.id,
        creditedWalletId: payee.wallet.id,
        amount: 301,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({
      domainCode: 'LIMIT_EXCEEDED',
      httpStatus: 422,
      details: { remainingAmount: 300, remainingCount: 4, resetsAt: resetsAt.toISOString() },
    });
    expect((await transfer(sender, sender.wallet, payee.wallet, 300)).status).toBe(201);
  });

  it('in an atomic bulk posts nothing and names the item; not atomic, refuses only the items over it', async () => {
    const { sender, payee } = await limitedCustomer(10_000, { period: 'DAY', maxAmount: 1_000 });
    const items = [500, 400, 300, 100].map((amount) => ({
      externalReferenceNumber: ref(),
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: sender.wallet.id,
      creditedWalletId: payee.wallet.id,
      amount,
    }));
    const atomic = await server.rest<{ code: string; index: number; remainingAmount: number }>(
      'POST',
      '/transactions/bulk',
      { atomic: true, transactions: items },
      sender.token,
    );
    expect(atomic.status).toBe(422);
    expect(atomic.body.data).toMatchObject({ code: 'LIMIT_EXCEEDED', index: 2, remainingAmount: 100 });
    const notAtomic = await server.rest<{
      results: { status: number; data: { code?: string; remainingAmount?: number } }[];
    }>('POST', '/transactions/bulk', { transactions: items }, sender.token);
    expect(notAtomic.body.data.results.map((r) => r.status)).toEqual([201, 201, 422, 201]);
    expect(notAtomic.body.data.results[2]?.data).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      remainingAmount: 100,
    });
  });
});

describe('50 concurrent postings racing for what is left of a limit', () => {
  it('let through exactly as many as fit, and the ledger verifies', async () => {
    const { sender, payee } = await limitedCustomer(100_000, { period: 'DAY', maxAmount: 10_000 });
    expect((await transfer(sender, sender.wallet, payee.wallet, 9_250)).status).toBe(201);
    // 750 left: seven postings of 100 fit, whichever seven win.
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => transfer(sender, sender.wallet, payee.wallet, 100)),
    );
    const statuses = answers.map((a) => (a.status === 201 ? 'posted' : a.body.data.code));
    expect(statuses.filter((s) => s === 'posted')).toHaveLength(7);
    expect(statuses.filter((s) => s === 'LIMIT_EXCEEDED')).toHaveLength(43);
    const wallet = await server.rest<Wallet>('GET', `/wallets/${sender.wallet.id}`, undefined, admin.token);
    expect(wallet.body.data.currentBalance).toBe(100_000 - 9_950);
  });

  it('with a count cap too: exactly the postings left are let through', async () => {
    const { sender, payee } = await limitedCustomer(100_000, { period: 'MONTH', maxCount: 12 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => transfer(sender, sender.wallet, payee.wallet, 10 + i)),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(12);
    expect(answers.filter((a) => a.status === 422).map((a) => a.body.data.code)).toEqual(
      Array(38).fill('LIMIT_EXCEEDED'),
    );
  });
});

describe('a reversal', () => {
  it('gives the amount back to the day it was taken from', async () => {
    const { sender, payee } = await limitedCustomer(10_000, { period: 'DAY', maxAmount: 1_000 });
    const posted = await transfer(sender, sender.wallet, payee.wallet, 1_000);
    expect((await transfer(sender, sender.wallet, payee.wallet, 1)).status).toBe(422);
    const reversed = await server.rest(
      'POST',
      `/transactions/${posted.body.data.id}/reverse`,
      {},
      admin.token,
    );
    expect(reversed.status).toBe(201);
    expect((await transfer(sender, sender.wallet, payee.wallet, 1_000)).status).toBe(201);
  });
});
