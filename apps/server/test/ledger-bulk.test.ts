import { randomBytes } from 'node:crypto';
import type { AppRouter } from '@tekana/api';
import type {
  Page,
  Transaction,
  TransactionBulkOutput,
  TransactionCreateInput,
  Wallet,
} from '@tekana/contracts';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FundingAdmin, fundingAdmin, type SignedIn, useTestServer } from './harness';

// A database of its own, so that /metrics counts only this file's batches and its notices stay here.
const server = useTestServer({}, { ownDatabase: true });
let admin: SignedIn;
let customerWithWallet: FundingAdmin['customerWithWallet'];
let walletOf: FundingAdmin['walletOf'];

beforeAll(async () => {
  ({ admin, customerWithWallet, walletOf } = await fundingAdmin(server));
});

const ref = () => `bulk-${randomBytes(8).toString('hex')}`;

type Customer = SignedIn & { wallet: Wallet };

function item(
  transactionTypeCode: string,
  debitedWalletId: string,
  creditedWalletId: string,
  amount: number,
  externalReferenceNumber = ref(),
): TransactionCreateInput {
  return {
    externalReferenceNumber,
    transactionTypeCode,
    debitedWalletId,
    creditedWalletId,
    amount,
    channelType: 'APP',
  };
}

function bulk(actor: SignedIn, transactions: TransactionCreateInput[], atomic?: boolean) {
  const body = atomic === undefined ? { transactions } : { atomic, transactions };
  return server.rest<TransactionBulkOutput & { code?: string; index?: number }>(
    'POST',
    '/transactions/bulk',
    body,
    actor.token,
  );
}

async function postedUnder(externalReferenceNumber: string) {
  const listed = await server.rest<Page<Transaction>>(
    'GET',
    `/transactions?external_reference_number=${externalReferenceNumber}`,
    undefined,
    admin.token,
  );
  expect(listed.status).toBe(200);
  return listed.body.data.items;
}

/** This server's /metrics, read once: a counter by its series as printed, e.g. `posting_batch_size_count`. */
async function metricCounts(): Promise<(series: string) => number> {
  const lines = (await (await fetch(`${server.url}/metrics`)).text()).split('\n');
  return (series) => {
    const line = lines.find((l) => l.startsWith(`${series} `));
    if (!line) throw new Error(`no ${series} on /metrics`);
    return Number(line.slice(series.length + 1));
  };
}

/** How many engine batches this server has committed. */
const batchesCommitted = async () => (await metricCounts())('posting_batch_size_count');

/** The lock and write round trips the engine's batches have timed. */
async function batchTrips(): Promise<{ lock: number; write: number }> {
  const count = await metricCounts();
  const trips = (trip: string) => count(`posting_batch_trip_seconds_count{trip="${trip}"}`);
  return { lock: trips('lock'), write: trips('write') };
}

describe("the engine's batches on /metrics", () => {
  it('times the lock trip of every batch, and the write trip of a batch that wrote', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(500), customerWithWallet(0)]);
    const transfer = (from: Customer, to: Customer, amount: number) =>
      server.rest(
        'POST',
        '/transactions',
        item('TRANSFER', from.wallet.id, to.wallet.id, amount),
        from.token,
      );
    const before = await batchTrips();
    expect((await transfer(alice, bob, 200)).status).toBe(201);
    const afterPosting = await batchTrips();
    expect(afterPosting).toEqual({ lock: before.lock + 1, write: before.write + 1 });

    // Refused in the plan (more than bob holds): locked and read, nothing written.
    expect((await transfer(bob, alice, 900)).status).toBe(422);
    expect(await batchTrips()).toEqual({ lock: afterPosting.lock + 1, write: afterPosting.write });
  });
});

describe('POST /transactions/bulk, not atomic', () => {
  it('answers 400 for the one item whose value the database refuses, and posts the others', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const poisoned = {
      ...item('TRANSFER', alice.wallet.id, bob.wallet.id, 20),
      statusMessage: 'bad\u0000byte',
    };
    const answer = await bulk(alice, [
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 10),
      poisoned,
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 30),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.data.results.map((r) => r.status)).toEqual([201, 400, 201]);
    expect(answer.body.data.results[1]?.data).toEqual({ code: 'BAD_REQUEST' });
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(40);
    expect(await postedUnder(poisoned.externalReferenceNumber)).toEqual([]);
  });

  it('answers 200 with one envelope per item in request order, posting the good ones and refusing the rest', async () => {
    const [alice, bob, carol] = await Promise.all([
      customerWithWallet(1_000),
      customerWithWallet(0),
      customerWithWallet(500),
    ]);
    const items = [
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 300),
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 5_000),
      item('TRANSFER', carol.wallet.id, alice.wallet.id, 100),
      item('TRANSFER', alice.wallet.id, carol.wallet.id, 200),
    ];
    const answer = await bulk(alice, items);
    expect(answer.status).toBe(200);
    expect(answer.body.data.atomic).toBe(false);
    const results = answer.body.data.results;
    expect(results.map((r) => r.status)).toEqual([201, 422, 403, 201]);
    expect(results[1]?.data).toEqual({ code: 'INSUFFICIENT_FUNDS' });
    expect(results[2]?.data).toEqual({ code: 'FORBIDDEN' });
    expect(results[0]?.data).toMatchObject({ externalReferenceNumber: items[0]?.externalReferenceNumber });
    expect(results[3]?.data).toMatchObject({
      externalReferenceNumber: items[3]?.externalReferenceNumber,
      debitedWalletBalance: 500,
    });
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(500);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(300);
    expect((await walletOf(carol.wallet.id)).currentBalance).toBe(700);
    expect(await postedUnder(items[1]?.externalReferenceNumber ?? '')).toEqual([]);
    expect(await postedUnder(items[2]?.externalReferenceNumber ?? '')).toEqual([]);
  });

  it('answers the same body sent twice with the same postings, posting nothing twice', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const items = [
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 100),
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 200),
    ];
    const first = await bulk(alice, items);
    const second = await bulk(alice, items);
    expect(second.status).toBe(200);
    expect(second.body.data.results).toEqual(first.body.data.results);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(300);
  });
});

describe('POST /transactions/bulk, atomic', () => {
  it('answers 201 and posts every item when all are fine', async () => {
    const [alice, bob, carol] = await Promise.all([
      customerWithWallet(1_000),
      customerWithWallet(0),
      customerWithWallet(0),
    ]);
    const answer = await bulk(
      alice,
      [
        item('TRANSFER', alice.wallet.id, bob.wallet.id, 400),
        item('TRANSFER', alice.wallet.id, carol.wallet.id, 600),
      ],
      true,
    );
    expect(answer.status).toBe(201);
    expect(answer.body.data.results.map((r) => r.status)).toEqual([201, 201]);
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(0);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(400);
    expect((await walletOf(carol.wallet.id)).currentBalance).toBe(600);
  });

  it('refuses the whole bulk with the first refusal (422, its code and index), posting nothing, and leaves its keys free', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const items = [
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 600),
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 300),
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 300),
    ];
    const refused = await bulk(alice, items, true);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ status: 422, data: { code: 'INSUFFICIENT_FUNDS', index: 2 } });
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(1_000);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(0);
    for (const { externalReferenceNumber } of items) {
      expect(await postedUnder(externalReferenceNumber)).toEqual([]);
    }

    const fixed = [items[0], items[1], { ...items[2], amount: 100 }] as TransactionCreateInput[];
    const posted = await bulk(alice, fixed, true);
    expect(posted.status).toBe(201);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(1_000);
  });

  it("refuses the whole bulk with 403 when one item debits another customer's wallet", async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(1_000)]);
    const refused = await bulk(
      alice,
      [
        item('TRANSFER', alice.wallet.id, bob.wallet.id, 100),
        item('TRANSFER', bob.wallet.id, alice.wallet.id, 100),
      ],
      true,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.data).toMatchObject({ code: 'FORBIDDEN', index: 1 });
    expect((await walletOf(alice.wallet.id)).currentBalance).toBe(1_000);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(1_000);
  });
});

describe('POST /transactions/bulk, malformed', () => {
  let alice: Customer;
  let bob: Customer;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
  });

  it('refuses 101 items with 400', async () => {
    const items = Array.from({ length: 101 }, () => item('TRANSFER', alice.wallet.id, bob.wallet.id, 1));
    expect((await bulk(alice, items)).status).toBe(400);
    expect((await bulk(alice, items, true)).status).toBe(400);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(0);
  });

  it('refuses two items under one externalReferenceNumber with 400', async () => {
    const key = ref();
    const items = [
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 1, key),
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 2, key),
    ];
    expect((await bulk(alice, items)).status).toBe(400);
    expect(await postedUnder(key)).toEqual([]);
  });

  it('refuses an empty list with 400', async () => {
    expect((await bulk(alice, [])).status).toBe(400);
  });
});

describe('transaction.createMany over tRPC', () => {
  it('posts a bulk, answers a repeat of it with the same postings, and refuses an atomic one with the failing index', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const trpc = server.trpc(alice.token);
    const items = [
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 100),
      item('TRANSFER', alice.wallet.id, bob.wallet.id, 5_000),
    ];
    const first = await trpc.transaction.createMany.mutate({ transactions: items });
    expect(first.results.map((r) => r.status)).toEqual([201, 422]);
    const again = await trpc.transaction.createMany.mutate({ transactions: items });
    expect(again).toEqual(first);
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(100);

    const atomic = trpc.transaction.createMany.mutate({
      atomic: true,
      transactions: [item('TRANSFER', alice.wallet.id, bob.wallet.id, 100), ...items.slice(1)],
    });
    const error = await atomic.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({
      httpStatus: 422,
      domainCode: 'INSUFFICIENT_FUNDS',
      details: { index: 1 },
    });
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(100);
  });

  it('shares engine batches between the mutations a client batches with httpBatchLink', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const trpc = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${server.url}/trpc`,
          headers: () => ({ authorization: `Bearer ${alice.token}` }),
        }),
      ],
    });
    // The token is verified once before the batch, so that the batch's calls reach the engine together.
    await trpc.wallet.get.query({ id: alice.wallet.id });
    const before = await batchesCommitted();
    const posted = await Promise.all(
      Array.from({ length: 10 }, () =>
        trpc.transaction.create.mutate(item('TRANSFER', alice.wallet.id, bob.wallet.id, 10)),
      ),
    );
    const batches = (await batchesCommitted()) - before;
    expect(posted.map((t) => t.status)).toEqual(Array(10).fill('COMPLETED'));
    expect((await walletOf(bob.wallet.id)).currentBalance).toBe(100);
    // One HTTP request whose calls reach the engine in one tick: one batch, two if a commit was in flight.
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(2);
  });
});
