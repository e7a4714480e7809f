import type { Transaction } from '@tekana/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { createOwnDatabase } from './harness';
import { expectEachNoticeOnce, noticesOwed } from './notices';
import { createOwnRedis, type OwnRedis } from './own-redis';
import {
  adminToken,
  customerWithWallet,
  floatWalletOf,
  postTransaction,
  productionEnv,
  type ServerProcess,
  spawnSource,
  startServerProcess,
} from './server-process';
import type { SpawnedProcess } from './spawned-process';

/**
 * The outbox's promise, with real processes: a notice committed with its posting reaches the gateway once,
 * whatever dies in between. A database and a Redis of this file's own: this file kills its Redis, and every
 * server's relay moves whatever notices its database holds.
 */
let database: Awaited<ReturnType<typeof createOwnDatabase>>;
let gateway: FakeSmsGateway;
let redis: OwnRedis;
let env: Record<string, string>;
let server: ServerProcess | undefined;
let worker: SpawnedProcess | undefined;
let token: string;
let floatId: string;

beforeAll(async () => {
  redis = await createOwnRedis();
  [database, gateway] = await Promise.all([
    createOwnDatabase(),
    startFakeSmsGateway({ username: 'tekana', password: 'gateway-secret' }),
    redis.start(),
  ]);
  env = productionEnv({ databaseUrl: database.url, redisUrl: redis.url, gateway });
  worker = spawnSource('apps/sms-worker/src/main.ts', env);
  server = await startServerProcess(env);
  token = await adminToken(server.base, database.url, gateway);
  floatId = (await floatWalletOf(server.base, token)).id;
}, 45_000);

afterAll(async () => {
  await Promise.all([server?.kill(), worker?.kill()]);
  await redis?.close();
  await gateway?.close();
  await database?.drop();
});

/** Notices committed to the outbox and not yet handed to the SMS queue. */
async function pendingNotices(): Promise<number> {
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select count(*)::int as pending from sms_outbox`;
    return Number(row?.pending);
  } finally {
    await sql.end();
  }
}

type Pair = Awaited<ReturnType<typeof customerWithWallet>>[];

/** Two customers, each funded by the admin with 10,000: what a burst of postings moves money between. */
async function fundedPair(base: string): Promise<{ pair: Pair; deposits: Transaction[] }> {
  const pair = await Promise.all([customerWithWallet(base, token), customerWithWallet(base, token)]);
  const answers = await Promise.all(
    pair.map((c) => postTransaction(base, token, 'DEPOSIT', floatId, c.wallet.id, 10_000)),
  );
  return { pair, deposits: answers.map((answer) => answer.body.data) };
}

/** `n` postings at once, transfers both ways between the pair and deposits to it, each answered as given. */
function postBurst(base: string, [a, b]: Pair, n: number) {
  if (!a || !b) throw new Error('a pair has two customers');
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      if (i % 3 === 2) return postTransaction(base, token, 'DEPOSIT', floatId, a.wallet.id, 5);
      const [from, to] = i % 3 ? [a, b] : [b, a];
      return postTransaction(base, token, 'TRANSFER', from.wallet.id, to.wallet.id, 10 + i);
    }),
  );
}

describe('the SMS outbox, across crashes', () => {
  it('delivers every notice of acknowledged postings exactly once when the server is killed -9 right after', async () => {
    if (!server) throw new Error('no server');
    const { pair, deposits } = await fundedPair(server.base);
    const answers = await postBurst(server.base, pair, 40);
    // No grace at all: the relay was woken by these commits and may be anywhere in its round.
    server.child.kill('SIGKILL');
    await server.exited(5_000);
    expect(answers.map((r) => r.status)).toEqual(Array(40).fill(201));
    server = await startServerProcess(env);
    await expectEachNoticeOnce(gateway, [...deposits, ...answers.map((r) => r.body.data)], floatId, 20_000);
  }, 40_000);

  it('answers postings while Redis is down and delivers their notices once Redis is back', async () => {
    if (!server) throw new Error('no server');
    const { pair, deposits } = await fundedPair(server.base);
    // Settled first, so that every notice counted below belongs to the postings made while Redis is down.
    await expectEachNoticeOnce(gateway, deposits, floatId, 20_000);

    await redis.crash();
    const during = await postBurst(server.base, pair, 20);
    const owedDuring = during.reduce((sum, r) => sum + noticesOwed(r.body.data, floatId), 0);
    expect(await pendingNotices()).toBe(owedDuring);
    expect(during.map((r) => r.status)).toEqual(Array(20).fill(201));
    await redis.start();
    await expectEachNoticeOnce(
      gateway,
      during.map((r) => r.body.data),
      floatId,
      20_000,
    );
  }, 40_000);

  it('delivers notices already handed to Redis when Redis is killed -9 before the worker sends them', async () => {
    if (!server) throw new Error('no server');
    await worker?.kill();
    const { deposits } = await fundedPair(server.base);
    // Relayed and marked: from here on only Redis holds these notices.
    for (const deadline = Date.now() + 10_000; (await pendingNotices()) > 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await pendingNotices()).toBe(0);

    await redis.crash();
    await redis.start();
    worker = spawnSource('apps/sms-worker/src/main.ts', env);
    await expectEachNoticeOnce(gateway, deposits, floatId, 10_000);
  }, 30_000);

  // After the test above: the restarted worker and Redis go on with new postings too.
  it('delivers the notices of postings made after that Redis came back', async () => {
    if (!server) throw new Error('no server');
    const { deposits } = await fundedPair(server.base);
    await expectEachNoticeOnce(gateway, deposits, floatId, 20_000);
  }, 20_000);
});
