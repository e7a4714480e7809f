import { randomBytes } from 'node:crypto';
import type { Page, Transaction, TransactionType, Wallet, WalletLookup, WalletType } from '@tekana/contracts';
import { TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type FundingAdmin,
  fundingAdmin,
  postTransaction,
  type RestResponse,
  type SignedIn,
  useTestServer,
} from './harness';

// A pool as large as a production one, so that parallel requests really meet on the row locks; a
// database of its own, so that the SMS notices of its postings reach this server's worker.
const server = useTestServer({ DATABASE_POOL_SIZE: '20' }, { ownDatabase: true });
let admin: SignedIn;
let floatRwf: Wallet;
let customerWithWallet: FundingAdmin['customerWithWallet'];
let walletOf: FundingAdmin['walletOf'];

beforeAll(async () => {
  ({ admin, floatRwf, customerWithWallet, walletOf } = await fundingAdmin(server));
});

const ref = () => `http-${randomBytes(8).toString('hex')}`;

function post(
  actor: { token: string },
  transactionTypeCode: string,
  debitedWalletId: string,
  creditedWalletId: string,
  amount: number,
  externalReferenceNumber = ref(),
): Promise<RestResponse<Transaction>> {
  const body = { externalReferenceNumber, transactionTypeCode, debitedWalletId, creditedWalletId, amount };
  return postTransaction(server, actor, body);
}

/** The tRPC code and our domain code of a failed tRPC call. */
async function trpcFailure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data = error.data as { code: string; httpStatus: number; domainCode: string | null };
    return { code: data.code, status: data.httpStatus, domainCode: data.domainCode };
  }
  throw new Error('the call succeeded');
}

describe('who may do what, over REST', () => {
  let alice: Awaited<ReturnType<typeof customerWithWallet>>;
  let bob: Awaited<ReturnType<typeof customerWithWallet>>;
  let bobsDeposit: Transaction;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    bobsDeposit = (await post(admin, 'DEPOSIT', floatRwf.id, bob.wallet.id, 300)).body.data;
  });

  it('answers 401 without a token', async () => {
    expect((await server.rest('GET', '/wallets')).status).toBe(401);
    expect((await server.rest('GET', '/transactions')).status).toBe(401);
    expect((await server.rest('POST', '/transactions', {})).status).toBe(401);
  });

  it("hides another customer's wallets and transactions (404, or absent from the list)", async () => {
    expect((await server.rest('GET', `/wallets/${bob.wallet.id}`, undefined, alice.token)).status).toBe(404);
    const wallets = await server.rest<Page<Wallet>>(
      'GET',
      `/wallets?customer_id=${bob.customer.id}`,
      undefined,
      alice.token,
    );
    expect(wallets.body.data.items).toEqual([]);
    expect((await server.rest('GET', `/transactions/${bobsDeposit.id}`, undefined, alice.token)).status).toBe(
      404,
    );
    const listed = await server.rest<Page<Transaction>>(
      'GET',
      `/transactions?wallet_id=${bob.wallet.id}`,
      undefined,
      alice.token,
    );
    expect(listed.body.data.items).toEqual([]);
    expect((await server.rest('GET', `/transactions/${bobsDeposit.id}`, undefined, bob.token)).status).toBe(
      200,
    );
  });

  it("forbids a customer to debit another's wallet (403) or to post against the float (403)", async () => {
    const theft = await post(alice, 'TRANSFER', bob.wallet.id, alice.wallet.id, 10);
    expect(theft.status).toBe(403);
    expect(theft.body).toMatchObject({ status: 403, data: { code: 'FORBIDDEN' } });
    expect((await post(alice, 'WITHDRAWAL', alice.wallet.id, floatRwf.id, 10)).status).toBe(403);
    expect((await post(alice, 'DEPOSIT', floatRwf.id, alice.wallet.id, 10)).status).toBe(403);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(300);
  });

  it('keeps the admin-only routes to admins (403 for a customer, success for an admin)', async () => {
    const code = `T_${randomBytes(4).toString('hex').toUpperCase()}`;
    const walletType = { code, name: code, minimumTransactionAmount: 1, maximumTransactionAmount: 10 };
    const transactionType = { code, name: code, minimumAmount: 1, maximumAmount: 10 };
    expect((await server.rest('POST', '/walletTypes', walletType, alice.token)).status).toBe(403);
    expect((await server.rest('POST', '/transactionTypes', transactionType, alice.token)).status).toBe(403);
    const createdWalletType = await server.rest<WalletType>('POST', '/walletTypes', walletType, admin.token);
    const createdType = await server.rest<TransactionType>(
      'POST',
      '/transactionTypes',
      transactionType,
      admin.token,
    );
    expect([createdWalletType.status, createdType.status]).toEqual([201, 201]);
    const typeStatus = `/transactionTypes/${createdType.body.data.id}/status`;
    expect((await server.rest('PUT', typeStatus, { status: 'INACTIVE' }, alice.token)).status).toBe(403);
    expect((await server.rest('PUT', typeStatus, { status: 1 }, admin.token)).body.data).toMatchObject({
      status: 'INACTIVE',
    });
    const rule = {
      transactionTypeId: createdType.body.data.id,
      walletTypeId: createdWalletType.body.data.id,
      debitAllowed: true,
      creditAllowed: false,
    };
    expect((await server.rest('PUT', '/rules', rule, alice.token)).status).toBe(403);
    expect((await server.rest('PUT', '/rules', rule, admin.token)).status).toBe(200);
    const rules = await server.rest<unknown[]>(
      'GET',
      `/rules?transaction_type_id=${rule.transactionTypeId}`,
      undefined,
      alice.token,
    );
    expect(rules.body.data).toEqual([rule]);
    const walletStatus = `/wallets/${bob.wallet.id}/status`;
    expect((await server.rest('PUT', walletStatus, { status: 'DORMANT' }, alice.token)).status).toBe(403);
    expect((await server.rest('PUT', walletStatus, { status: 'ACTIVE' }, admin.token)).status).toBe(200);
    const reverse = `/transactions/${bobsDeposit.id}/reverse`;
    expect((await server.rest('POST', reverse, {}, bob.token)).status).toBe(403);
  });

  it('lets a customer list the wallet types, transaction types and rules', async () => {
    const walletTypes = await server.rest<Page<WalletType>>(
      'GET',
      '/walletTypes?allow_negative_balance=false',
      undefined,
      alice.token,
    );
    expect(walletTypes.status).toBe(200);
    expect(walletTypes.body.data.items.every((t) => !t.allowNegativeBalance)).toBe(true);
    expect((await server.rest('GET', '/transactionTypes?code=TRANSFER', undefined, alice.token)).status).toBe(
      200,
    );
    expect((await server.rest('GET', '/rules', undefined, alice.token)).status).toBe(200);
  });

  it('answers a refused posting with 422 and its code, and a reused key with another payload with 409', async () => {
    const overdraft = await post(alice, 'TRANSFER', alice.wallet.id, bob.wallet.id, 1_000_000);
    expect(overdraft.status).toBe(422);
    expect(overdraft.body).toMatchObject({ status: 422, data: { code: 'INSUFFICIENT_FUNDS' } });
    const key = ref();
    expect((await post(alice, 'TRANSFER', alice.wallet.id, bob.wallet.id, 5, key)).status).toBe(201);
    const reused = await post(alice, 'TRANSFER', alice.wallet.id, bob.wallet.id, 6, key);
    expect(reused.status).toBe(409);
    expect(reused.body.data).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('answers 400 for bad input: a fractional amount, a missing type, an unknown numeric channel', async () => {
    const base = {
      externalReferenceNumber: ref(),
      debitedWalletId: alice.wallet.id,
      creditedWalletId: bob.wallet.id,
    };
    const fractional = { ...base, transactionTypeCode: 'TRANSFER', amount: 1.5 };
    expect((await server.rest('POST', '/transactions', fractional, alice.token)).status).toBe(400);
    expect((await server.rest('POST', '/transactions', { ...base, amount: 1 }, alice.token)).status).toBe(
      400,
    );
    const channel = { ...base, transactionTypeCode: 'TRANSFER', amount: 1, channelType: 9 };
    expect((await server.rest('POST', '/transactions', channel, alice.token)).status).toBe(400);
    const reserved = {
      ...base,
      transactionTypeCode: 'TRANSFER',
      amount: 1,
      externalReferenceNumber: 'reversal:x',
    };
    expect((await server.rest('POST', '/transactions', reserved, alice.token)).status).toBe(400);
  });

  it('takes an amount only as a JSON integer: a string, true or null is 400 and moves nothing', async () => {
    const before = (await walletOf(alice.wallet.id)).currentBalance;
    for (const amount of ['100', true, null]) {
      const body = {
        externalReferenceNumber: ref(),
        transactionTypeCode: 'TRANSFER',
        debitedWalletId: alice.wallet.id,
        creditedWalletId: bob.wallet.id,
        amount,
      };
      const answer = await server.rest('POST', '/transactions', body, alice.token);
      expect(answer.status, JSON.stringify(amount)).toBe(400);
    }
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(before);
  });

  it('accepts the old numeric channel code and filters with the old snake_case names', async () => {
    const key = ref();
    const body = {
      externalReferenceNumber: key,
      transactionTypeCode: 'TRANSFER',
      channelType: 3,
      debitedWalletId: alice.wallet.id,
      creditedWalletId: bob.wallet.id,
      amount: 7,
    };
    const posted = await server.rest<Transaction>('POST', '/transactions', body, alice.token);
    expect(posted.body.data).toMatchObject({ channelType: 'USSD', amount: 7 });
    const found = await server.rest<Page<Transaction>>(
      'GET',
      `/transactions?external_reference_number=${key}&min_amount=7&max_amount=7&channel_type=3`,
      undefined,
      alice.token,
    );
    expect(found.body.data.items.map((t) => t.id)).toEqual([posted.body.data.id]);
  });

  it('lets an admin reverse a posting once: 201, then 422 ALREADY_REVERSED', async () => {
    const { body } = await post(admin, 'DEPOSIT', floatRwf.id, bob.wallet.id, 50);
    const first = await server.rest<Transaction>(
      'POST',
      `/transactions/${body.data.id}/reverse`,
      {},
      admin.token,
    );
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ reversalOf: body.data.id, amount: 50 });
    const second = await server.rest('POST', `/transactions/${body.data.id}/reverse`, {}, admin.token);
    expect(second.status).toBe(422);
    expect(second.body.data).toMatchObject({ code: 'ALREADY_REVERSED' });
  });

  it('tells both customers of a transfer by SMS, through the queue and the worker', async () => {
    const transfer = await post(alice, 'TRANSFER', alice.wallet.id, bob.wallet.id, 25);
    expect(transfer.status).toBe(201);
    // Earlier postings' notices may still be on their way: look for this posting's reference.
    const { referenceNumber } = transfer.body.data;
    const noticeTo = (phone: string) =>
      vi.waitFor(
        () => {
          const found = server.gateway.posts.find(
            (p) => p.recipients === phone && p.message.includes(referenceNumber),
          );
          if (!found) throw new Error(`no notice of ${referenceNumber} to ${phone} yet`);
          return found;
        },
        { timeout: 15_000, interval: 50 },
      );
    const debit = await noticeTo(alice.customer.phoneNumber);
    const credit = await noticeTo(bob.customer.phoneNumber);
    expect(debit.message).toContain('25 RWF debited');
    expect(credit.message).toContain('25 RWF credited');
  });
});

describe('who may do what, over tRPC', () => {
  it('gives the same answers as REST: 404 for hidden records, 403 for admin-only procedures', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(100), customerWithWallet(0)]);
    const asAlice = server.trpc(alice.token);
    const asAdmin = server.trpc(admin.token);
    expect(await trpcFailure(asAlice.wallet.get.query({ id: bob.wallet.id }))).toMatchObject({
      code: 'NOT_FOUND',
      status: 404,
    });
    const theft = asAlice.transaction.create.mutate({
      externalReferenceNumber: ref(),
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: bob.wallet.id,
      creditedWalletId: alice.wallet.id,
      amount: 1,
    });
    expect(await trpcFailure(theft)).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    const newType = {
      code: `T_${randomBytes(4).toString('hex').toUpperCase()}`,
      name: 'x',
      maximumAmount: 5,
    };
    expect(await trpcFailure(asAlice.transactionType.create.mutate(newType))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(
      await trpcFailure(asAlice.wallet.setStatus.mutate({ id: alice.wallet.id, status: 'INACTIVE' })),
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await trpcFailure(server.trpc().wallet.list.query({}))).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
    });

    const sent = await asAlice.transaction.create.mutate({
      externalReferenceNumber: ref(),
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: alice.wallet.id,
      creditedWalletId: bob.wallet.id,
      amount: 60,
    });
    expect(sent).toMatchObject({ amount: 60, debitedWalletBalance: 40 });
    expect(await trpcFailure(asAlice.transaction.reverse.mutate({ id: sent.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    const overdraft = asAlice.transaction.create.mutate({
      externalReferenceNumber: ref(),
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: alice.wallet.id,
      creditedWalletId: bob.wallet.id,
      amount: 41,
    });
    expect(await trpcFailure(overdraft)).toMatchObject({ status: 422, domainCode: 'INSUFFICIENT_FUNDS' });
    const reversal = await asAdmin.transaction.reverse.mutate({ id: sent.id });
    expect(reversal.reversalOf).toBe(sent.id);
    expect((await server.trpc(bob.token).transaction.get.query({ id: reversal.id })).id).toBe(reversal.id);
  });
});

describe('postings at the same time, over HTTP', () => {
  it('answers exactly floor(balance / amount) of 200 parallel transfers with 201 and the rest with 422 INSUFFICIENT_FUNDS', async () => {
    const balance = 1_000;
    const amount = 9;
    const [alice, bob] = await Promise.all([customerWithWallet(balance), customerWithWallet(0)]);
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => post(alice, 'TRANSFER', alice.wallet.id, bob.wallet.id, amount)),
    );
    const succeeded = Math.floor(balance / amount);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(succeeded);
    const refused = answers.filter((a) => a.status !== 201);
    expect(
      refused.every(
        (a) => a.status === 422 && (a.body.data as unknown as { code: string }).code === 'INSUFFICIENT_FUNDS',
      ),
    ).toBe(true);
    expect(refused).toHaveLength(200 - succeeded);
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(balance - succeeded * amount);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(succeeded * amount);
  });

  it('never answers 5xx when A pays B and B pays A at the same moment', async () => {
    const [a, b] = await Promise.all([customerWithWallet(300), customerWithWallet(300)]);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2
          ? post(a, 'TRANSFER', a.wallet.id, b.wallet.id, 11)
          : post(b, 'TRANSFER', b.wallet.id, a.wallet.id, 13),
      ),
    );
    expect(answers.filter((r) => r.status !== 201 && r.status !== 422)).toEqual([]);
    expect((await walletOf(a.wallet.id)).currentBalance + (await walletOf(b.wallet.id)).currentBalance).toBe(
      600,
    );
  });

  it('posts once for 20 parallel copies of one request, and answers all of them with the same body', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(100), customerWithWallet(0)]);
    const key = ref();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(alice, 'TRANSFER', alice.wallet.id, bob.wallet.id, 100, key)),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => JSON.stringify(a.body.data))).size).toBe(1);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(100);
    const posted = await server.rest<Page<Transaction>>(
      'GET',
      `/transactions?external_reference_number=${key}`,
      undefined,
      admin.token,
    );
    expect(posted.body.data.items).toHaveLength(1);
  });
});

describe('paying by account number or phone number, over REST', () => {
  it("finds the payee's wallet by account number or by phone, with a masked name, and lets the payer pay it", async () => {
    const [payer, payee] = [await customerWithWallet(1_000), await customerWithWallet(0)];
    const byAccount = await server.rest<WalletLookup>(
      'GET',
      `/wallets/lookup?accountNumber=${payee.wallet.accountNumber}`,
      undefined,
      payer.token,
    );
    expect(byAccount.status).toBe(200);
    expect(byAccount.body.data).toEqual({
      walletId: payee.wallet.id,
      accountNumber: payee.wallet.accountNumber,
      currencyCode: 'RWF',
      walletTypeCode: 'PERSONAL',
      holderName: `${payee.customer.firstName} ${payee.customer.lastName[0]}.`,
    });
    const phone = encodeURIComponent(payee.customer.phoneNumber);
    const byPhone = await server.rest<WalletLookup>(
      'GET',
      `/wallets/lookup?phoneNumber=${phone}&currencyCode=RWF`,
      undefined,
      payer.token,
    );
    expect(byPhone.body.data.walletId).toBe(payee.wallet.id);
    expect((await post(payer, 'TRANSFER', payer.wallet.id, byPhone.body.data.walletId, 100)).status).toBe(
      201,
    );
  });

  it('answers 404 for no such wallet, 400 for half a query, 401 unsigned', async () => {
    const payer = await customerWithWallet(0);
    const lookup = (query: string, token?: string) =>
      server.rest('GET', `/wallets/lookup?${query}`, undefined, token);
    expect((await lookup('accountNumber=100000000009', payer.token)).status).toBe(404);
    expect((await lookup('phoneNumber=%2B250788000000', payer.token)).status).toBe(400);
    expect((await lookup('', payer.token)).status).toBe(400);
    expect((await lookup('accountNumber=100000000009')).status).toBe(401);
  });
});
