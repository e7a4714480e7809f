import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../../test/fake-sms-gateway';
import { expectEachNoticeOnce } from '../notices';
import { type OwnPostgres, startOwnPostgres } from '../own-postgres';
import { createOwnRedis, type OwnRedis } from '../own-redis';
import {
  adminToken,
  customerWithWallet,
  floatWalletOf,
  postTransaction,
  productionEnv,
  type ServerProcess,
  spawnSource,
  startServerProcess,
} from '../server-process';
import { freePort, type SpawnedProcess } from '../spawned-process';
import {
  expectAnswersInTime,
  expectEachKeyPostedOnce,
  expectLedgerVerified,
  expectStillRunning,
  replayUnacknowledged,
} from './ledger-promises';
import { type Attempt, underLoad as postUnderLoad } from './posting-load';

/**
 * The fault suite (`pnpm test:faults`): the real server and SMS worker as processes, on a Postgres cluster
 * and a Redis of this file's own, under 32 concurrent posters, while one thing at a time fails. After each
 * fault: every acknowledged posting exists once, every unacknowledged one replays under its key to exactly
 * one posting, `pnpm verify` passes, every posting's notices reach the gateway once, no answer is a 500 or
 * comes after the deadline, and the server never exits by itself.
 */
const REQUEST_TIMEOUT_MS = 2_000;
// An answer may trail the deadline by the time the event loop takes to notice it, never by more.
const DEADLINE_SLACK_MS = 1_500;
const POSTERS = 32;

let pg: OwnPostgres;
let redis: OwnRedis;
let gateway: FakeSmsGateway;
let env: Record<string, string>;
let port: number;
let server: ServerProcess;
let worker: SpawnedProcess;
let token: string;
let floatId: string;
let walletIds: string[];
let ledger: postgres.Sql;
/** Milliseconds the gateway takes to answer: raised while a worker is to be killed mid-delivery. */
let gatewayDelayMs = 0;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startOwnPostgres(), createOwnRedis()]);
  pg.createDatabase('tekana');
  await redis.start();
  gateway = await startFakeSmsGateway({
    username: 'tekana',
    password: 'gateway-secret',
    answer: async () => {
      if (gatewayDelayMs > 0) await new Promise((r) => setTimeout(r, gatewayDelayMs));
      return 200;
    },
  });
  env = {
    ...productionEnv({ databaseUrl: pg.url('tekana'), redisUrl: redis.url, gateway }),
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    SMS_CONCURRENCY: '20',
    SMS_RATE_PER_SECOND: '2000',
  };
  port = await freePort();
  server = await startServerProcess(env, port);
  worker = spawnSource('apps/sms-worker/src/main.ts', env);
  ledger = postgres(pg.url('tekana'), {
    max: 2,
    onnotice: () => {},
    connection: { application_name: 'tekana-faults' },
  });
  token = await adminToken(server.base, pg.url('tekana'), gateway);
  floatId = (await floatWalletOf(server.base, token)).id;
  // One at a time: password hashing is slow by design, and eight at once could pass the short deadline.
  walletIds = [];
  for (let i = 0; i < 8; i++) walletIds.push((await customerWithWallet(server.base, token)).wallet.id);
  // Far more than any load here moves, so that no transfer is refused for funds and every replay posts.
  for (const id of walletIds) {
    const funded = await postTransaction(server.base, token, 'DEPOSIT', floatId, id, 5_000_000);
    if (funded.status !== 201) throw new Error(`funding answered ${funded.status}`);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.kill(), worker?.kill()]);
  await ledger?.end();
  await redis?.close();
  await gateway?.close();
  pg?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fault` while 32 clients post, with load before and after it; returns every attempt. */
function underLoad(fault: () => Promise<void>): Promise<Attempt[]> {
  const load = {
    base: server.base,
    token,
    floatId,
    walletIds,
    concurrency: POSTERS,
    clientTimeoutMs: REQUEST_TIMEOUT_MS + DEADLINE_SLACK_MS,
  };
  return postUnderLoad(load, fault, () => `server: ${server.stderr().slice(-3000)}`);
}

/** The promises kept after a fault, checked on the database itself, the verify command and the gateway. */
async function expectNothingLost(attempts: Attempt[]) {
  expectAnswersInTime(attempts, REQUEST_TIMEOUT_MS + DEADLINE_SLACK_MS);
  const postings = await replayUnacknowledged(server.base, token, attempts);
  await expectEachKeyPostedOnce(ledger, attempts, postings);
  await expectLedgerVerified(pg.url('tekana'));
  await expectEachNoticeOnce(gateway, postings, floatId, 60_000);
  expectStillRunning(server);
}

async function restartServer() {
  server = await startServerProcess(env, port);
}

describe('under 32 concurrent posters', () => {
  it('loses and duplicates nothing when the server is killed -9', async () => {
    const attempts = await underLoad(async () => {
      server.child.kill('SIGKILL');
      await server.exited(5_000);
      await sleep(500);
      await restartServer();
    });
    await expectNothingLost(attempts);
  }, 180_000);

  it('answers 503 while Postgres is down after a crash, and 201 again once it is back, in the same process', async () => {
    const pid = server.child.pid;
    const attempts = await underLoad(async () => {
      pg.crash();
      await sleep(3_000);
      pg.start();
    });
    expect(server.child.pid).toBe(pid);
    expect(attempts.some((a) => a.outcome === 503)).toBe(true);
    await expectNothingLost(attempts);
  }, 180_000);

  it('goes on in the same process when Postgres terminates its connections, again and again', async () => {
    const pid = server.child.pid;
    const attempts = await underLoad(async () => {
      for (let i = 0; i < 5; i++) {
        await ledger`select pg_terminate_backend(pid) from pg_stat_activity
          where datname = 'tekana' and application_name <> 'tekana-faults' and pid <> pg_backend_pid()`;
        await sleep(500);
      }
    });
    expect(server.child.pid).toBe(pid);
    await expectNothingLost(attempts);
  }, 180_000);

  it('answers 503 by the deadline while Postgres is silent (SIGSTOP) for longer than it', async () => {
    const attempts = await underLoad(async () => {
      pg.freeze();
      await sleep(REQUEST_TIMEOUT_MS * 2);
      pg.thaw();
    });
    expect(attempts.some((a) => a.outcome === 503)).toBe(true);
    await expectNothingLost(attempts);
  }, 180_000);

  it('goes on posting while Redis is killed -9, and delivers the notices once it is back', async () => {
    const attempts = await underLoad(async () => {
      await redis.crash();
      await sleep(3_000);
      await redis.start();
    });
    expect(attempts.filter((a) => a.outcome !== 201)).toEqual([]);
    await expectNothingLost(attempts);
  }, 180_000);

  it('delivers every notice once when the SMS worker is killed -9 mid-delivery', async () => {
    gatewayDelayMs = 300;
    const attempts = await underLoad(async () => {
      const posts = gateway.posts.length;
      // Killed while the gateway holds some of its posts unanswered.
      for (const deadline = Date.now() + 10_000; gateway.posts.length === posts && Date.now() < deadline; )
        await sleep(20);
      worker.child.kill('SIGKILL');
      await worker.exited(5_000);
      gatewayDelayMs = 0;
      worker = spawnSource('apps/sms-worker/src/main.ts', env);
    });
    expect(attempts.filter((a) => a.outcome !== 201)).toEqual([]);
    // A job whose worker died is taken up again once its lock expires (the worker's stalled-job check, 10 s).
    await expectNothingLost(attempts);
  }, 240_000);
});
