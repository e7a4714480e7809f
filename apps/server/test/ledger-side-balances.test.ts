import { randomBytes } from 'node:crypto';
import type {
  Page,
  Transaction,
  TransactionBulkOutput,
  TransactionCreateInput,
  Wallet,
} from '@tekana/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { fundingAdmin, registerAndSignIn, type SignedIn, useTestServer } from './harness';
import { compileResponseSchema, type ResponseValidator } from './openapi-response-schema';

/**
 * A customer sees the balance of a posting's side only when that wallet is theirs: never the payee's,
 * never the float's after a deposit. Admins see both. Over REST and tRPC, in every answer that carries
 * a posting: lists, by id, create, bulk and reverse.
 */
const server = useTestServer();
let admin: SignedIn;
let floatRwf: Wallet;
let validate: ResponseValidator;

beforeAll(async () => {
  ({ admin, floatRwf } = await fundingAdmin(server));
  validate = await compileResponseSchema(
    (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, unknown>,
  );
});

type Customer = SignedIn & { wallet: Wallet };

const posting = (
  transactionTypeCode: string,
  debitedWalletId: string,
  creditedWalletId: string,
  amount: number,
): TransactionCreateInput => ({
  externalReferenceNumber: `sides-${randomBytes(8).toString('hex')}`,
  transactionTypeCode,
  debitedWalletId,
  creditedWalletId,
  amount,
  channelType: 'WEB',
});

async function openWallet(signedIn: SignedIn, walletTypeCode = 'PERSONAL'): Promise<Wallet> {
  const opened = await server.rest<Wallet>(
    'POST',
    '/wallets',
    { customerId: signedIn.customer.id, walletTypeCode, currencyCode: 'RWF' },
    admin.token,
  );
  expect(opened.status).toBe(201);
  return opened.body.data;
}

async function customerWithWallet(): Promise<Customer> {
  const signedIn = await registerAndSignIn(server);
  return { ...signedIn, wallet: await openWallet(signedIn) };
}

async function post(actor: SignedIn, body: TransactionCreateInput) {
  const answer = await server.rest<Transaction>('POST', '/transactions', body, actor.token);
  expect(answer.status, answer.body.message).toBe(201);
  expect(validate('/transactions', 'post', answer.status, answer.body)).toEqual([]);
  return answer.body.data;
}

async function seenBy(actor: SignedIn, id: string) {
  const answer = await server.rest<Transaction>('GET', `/transactions/${id}`, undefined, actor.token);
  expect(answer.status).toBe(200);
  expect(validate('/transactions/{id}', 'get', answer.status, answer.body)).toEqual([]);
  return answer.body.data;
}

async function listedFor(actor: SignedIn, query: string) {
  const answer = await server.rest<Page<Transaction>>(
    'GET',
    `/transactions?${query}`,
    undefined,
    actor.token,
  );
  expect(answer.status).toBe(200);
  expect(validate('/transactions', 'get', answer.status, answer.body)).toEqual([]);
  return answer.body.data.items;
}

const sides = (t: Pick<Transaction, 'debitedWalletBalance' | 'creditedWalletBalance'>) => [
  t.debitedWalletBalance,
  t.creditedWalletBalance,
];

describe("a customer sees only their own side's balance", () => {
  let alice: Customer;
  let bob: Customer;
  let deposit: Transaction;
  let transfer: Transaction;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([customerWithWallet(), customerWithWallet()]);
    deposit = await post(admin, posting('DEPOSIT', floatRwf.id, alice.wallet.id, 1_000));
    transfer = await post(alice, posting('TRANSFER', alice.wallet.id, bob.wallet.id, 300));
  });

  it('a deposit answers the admin with both balances, the float included', () => {
    expect(deposit.creditedWalletBalance).toBe(1_000);
    expect(deposit.debitedWalletBalance).toEqual(expect.any(Number));
  });

  it("after a deposit, the customer's list and the posting by id hide the float's balance", async () => {
    const listed = await listedFor(alice, `id=${deposit.id}`);
    expect(listed.map(sides)).toEqual([[null, 1_000]]);
    expect(sides(await seenBy(alice, deposit.id))).toEqual([null, 1_000]);
  });

  it("the payer's answer to a transfer, and the payer's list, hide the payee's balance", async () => {
    expect(sides(transfer)).toEqual([700, null]);
    const listed = await listedFor(alice, `wallet_id=${alice.wallet.id}`);
    expect(listed.map((t) => [t.id, ...sides(t)])).toEqual([
      [transfer.id, 700, null],
      [deposit.id, null, 1_000],
    ]);
  });

  it("the payee sees their own balance and not the payer's; the admin sees both", async () => {
    expect(sides(await seenBy(bob, transfer.id))).toEqual([null, 300]);
    expect((await listedFor(bob, `id=${transfer.id}`)).map(sides)).toEqual([[null, 300]]);
    expect(sides(await seenBy(admin, transfer.id))).toEqual([700, 300]);
    expect((await listedFor(admin, `id=${transfer.id}`)).map(sides)).toEqual([[700, 300]]);
  });

  it('a replay of the same request under its key hides the same side', async () => {
    const body = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 5);
    const first = await post(alice, body);
    const again = await post(alice, body);
    expect(again.id).toBe(first.id);
    expect(sides(again)).toEqual([695, null]);
  });

  it('a customer moving money between two wallets of their own sees both balances', async () => {
    const savings = await openWallet(alice);
    const moved = await post(alice, posting('TRANSFER', alice.wallet.id, savings.id, 45));
    expect(sides(moved)).toEqual([650, 45]);
    expect(sides(await seenBy(alice, moved.id))).toEqual([650, 45]);
  });

  it('a reversal answers the admin with both balances; each customer then sees only their own', async () => {
    const reversed = await server.rest<Transaction>(
      'POST',
      `/transactions/${transfer.id}/reverse`,
      {},
      admin.token,
    );
    expect(reversed.status).toBe(201);
    // Bob held 305 and Alice 650: the 300 goes back from Bob to Alice.
    const reversal = reversed.body.data;
    expect(sides(reversal)).toEqual([5, 950]);
    expect(sides(await seenBy(bob, reversal.id))).toEqual([5, null]);
    expect(sides(await seenBy(alice, reversal.id))).toEqual([null, 950]);
  });

  it('bulk results hide the payee side for a customer, not for an admin', async () => {
    const items = [
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10),
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 20),
    ];
    const answer = await server.rest<TransactionBulkOutput>(
      'POST',
      '/transactions/bulk',
      { atomic: true, transactions: items },
      alice.token,
    );
    expect(answer.status).toBe(201);
    expect(validate('/transactions/bulk', 'post', answer.status, answer.body)).toEqual([]);
    const results = answer.body.data.results.map((r) => r.data as Transaction);
    expect(results.map((t) => t.creditedWalletBalance)).toEqual([null, null]);
    expect(results.map((t) => t.debitedWalletBalance)).toEqual([940, 920]);

    const byAdmin = await server.rest<TransactionBulkOutput>(
      'POST',
      '/transactions/bulk',
      { atomic: false, transactions: [posting('DEPOSIT', floatRwf.id, bob.wallet.id, 7)] },
      admin.token,
    );
    expect(byAdmin.status).toBe(200);
    const [deposited] = byAdmin.body.data.results.map((r) => r.data as Transaction);
    expect(deposited?.debitedWalletBalance).toEqual(expect.any(Number));
    expect(deposited?.creditedWalletBalance).toEqual(expect.any(Number));
  });
});

describe('the same over tRPC', () => {
  it('hides the other side in create, createMany, list and get for a customer, and shows both to an admin', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(), customerWithWallet()]);
    const asAlice = server.trpc(alice.token);
    const asBob = server.trpc(bob.token);
    const asAdmin = server.trpc(admin.token);

    const deposit = await asAdmin.transaction.create.mutate(
      posting('DEPOSIT', floatRwf.id, alice.wallet.id, 500),
    );
    expect(deposit.debitedWalletBalance).toEqual(expect.any(Number));
    expect(sides(await asAlice.transaction.get.query({ id: deposit.id }))).toEqual([null, 500]);

    const sent = await asAlice.transaction.create.mutate(
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 100),
    );
    expect(sides(sent)).toEqual([400, null]);
    const many = await asAlice.transaction.createMany.mutate({
      atomic: false,
      transactions: [posting('TRANSFER', alice.wallet.id, bob.wallet.id, 50)],
    });
    expect(many.results.map((r) => sides(r.data as Transaction))).toEqual([[350, null]]);

    const alicesList = await asAlice.transaction.list.query({ walletId: alice.wallet.id });
    expect(alicesList.items.map(sides)).toEqual([
      [350, null],
      [400, null],
      [null, 500],
    ]);
    const bobsList = await asBob.transaction.list.query({ walletId: bob.wallet.id });
    expect(bobsList.items.map(sides)).toEqual([
      [null, 150],
      [null, 100],
    ]);
    expect(sides(await asAdmin.transaction.get.query({ id: sent.id }))).toEqual([400, 100]);
  });
});

describe('/openapi.json', () => {
  it("declares both balances nullable, so that the document stays true to a customer's answers", async () => {
    type Schema = { properties?: Record<string, Schema>; type?: string | string[]; anyOf?: Schema[] };
    type Document = {
      paths: Record<
        string,
        { get: { responses: Record<string, { content: Record<string, { schema: Schema }> }> } }
      >;
    };
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
    const envelope = document.paths['/transactions/{id}']?.get.responses['200']?.content['application/json'];
    const fields = envelope?.schema.properties?.data?.properties ?? {};
    for (const field of ['debitedWalletBalance', 'creditedWalletBalance']) {
      expect(JSON.stringify(fields[field]), field).toMatch(/"null"/);
    }
  });
});
