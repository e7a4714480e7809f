import { randomBytes } from 'node:crypto';
import type { Transaction, TransactionBulkOutput, Wallet } from '@tekana/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FundingAdmin, fundingAdmin, useTestServer } from './harness';

const server = useTestServer();
let customerWithWallet: FundingAdmin['customerWithWallet'];
let walletOf: FundingAdmin['walletOf'];

beforeAll(async () => {
  ({ customerWithWallet, walletOf } = await fundingAdmin(server));
});

const ref = () => `acct-${randomBytes(8).toString('hex')}`;

/** An account number no wallet has: 12 digits, starting with 0 where generated ones start with 1. */
const NOBODYS_ACCOUNT = '000000000000';

type Payee = { creditedWalletId?: string; creditedAccountNumber?: string };
const transfer = (from: Wallet, payee: Payee, amount: number) => ({
  externalReferenceNumber: ref(),
  transactionTypeCode: 'TRANSFER',
  debitedWalletId: from.id,
  amount,
  ...payee,
});

describe('POST /transactions with creditedAccountNumber', () => {
  it('pays the wallet holding that account number and answers its creditedWalletId', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const body = transfer(alice.wallet, { creditedAccountNumber: bob.wallet.accountNumber }, 250);
    const paid = await server.rest<Transaction>('POST', '/transactions', body, alice.token);
    expect(paid.status).toBe(201);
    expect(paid.body.data).toMatchObject({ creditedWalletId: bob.wallet.id, amount: 250 });
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(250);
  });

  it('answers a retry naming the payee by wallet id with the same posting, and posts once', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const byAccount = transfer(alice.wallet, { creditedAccountNumber: bob.wallet.accountNumber }, 40);
    const first = await server.rest<Transaction>('POST', '/transactions', byAccount, alice.token);
    const byId = { ...byAccount, creditedAccountNumber: undefined, creditedWalletId: bob.wallet.id };
    const again = await server.rest<Transaction>('POST', '/transactions', byId, alice.token);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(40);
  });

  it('answers 404 "No such wallet" for an account number no wallet has, and posts nothing', async () => {
    const alice = await customerWithWallet(1_000);
    const body = transfer(alice.wallet, { creditedAccountNumber: NOBODYS_ACCOUNT }, 10);
    const refused = await server.rest('POST', '/transactions', body, alice.token);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ message: 'No such wallet', data: { code: 'NOT_FOUND' } });
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(1_000);
  });

  it('answers 400 naming creditedWalletId when both or neither payee fields are given', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(100), customerWithWallet(0)]);
    const payees: Payee[] = [
      { creditedWalletId: bob.wallet.id, creditedAccountNumber: bob.wallet.accountNumber },
      {},
    ];
    for (const payee of payees) {
      const refused = await server.rest<{ issues: { path: string }[] }>(
        'POST',
        '/transactions',
        transfer(alice.wallet, payee, 10),
        alice.token,
      );
      expect(refused.status).toBe(400);
      expect(refused.body.data.issues.map((i) => i.path)).toContain('creditedWalletId');
    }
    const malformed = transfer(alice.wallet, { creditedAccountNumber: '12345' }, 10);
    expect((await server.rest('POST', '/transactions', malformed, alice.token)).status).toBe(400);
  });

  it('pays by account number over tRPC too', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(500), customerWithWallet(0)]);
    const paid = await server
      .trpc(alice.token)
      .transaction.create.mutate(
        transfer(alice.wallet, { creditedAccountNumber: bob.wallet.accountNumber }, 5),
      );
    expect(paid.creditedWalletId).toBe(bob.wallet.id);
  });
});

describe('POST /transactions/bulk with creditedAccountNumber', () => {
  it('not atomic: an unknown account number is that item’s own 404, the others post', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const answer = await server.rest<TransactionBulkOutput>(
      'POST',
      '/transactions/bulk',
      {
        transactions: [
          transfer(alice.wallet, { creditedAccountNumber: bob.wallet.accountNumber }, 10),
          transfer(alice.wallet, { creditedAccountNumber: NOBODYS_ACCOUNT }, 20),
          transfer(alice.wallet, { creditedWalletId: bob.wallet.id }, 30),
        ],
      },
      alice.token,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data.results.map((r) => r.status)).toEqual([201, 404, 201]);
    expect(answer.body.data.results[1]).toMatchObject({
      message: 'No such wallet',
      data: { code: 'NOT_FOUND' },
    });
    expect(answer.body.data.results[0]?.data).toMatchObject({ creditedWalletId: bob.wallet.id });
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(40);
  });

  it('atomic: an unknown account number refuses the whole bulk with 404 and its index, posting nothing', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const refused = await server.rest(
      'POST',
      '/transactions/bulk',
      {
        atomic: true,
        transactions: [
          transfer(alice.wallet, { creditedAccountNumber: bob.wallet.accountNumber }, 10),
          transfer(alice.wallet, { creditedAccountNumber: NOBODYS_ACCOUNT }, 20),
        ],
      },
      alice.token,
    );
    expect(refused.status).toBe(404);
    expect(refused.body.data).toMatchObject({ code: 'NOT_FOUND', index: 1 });
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(0);
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(1_000);
  });
});
