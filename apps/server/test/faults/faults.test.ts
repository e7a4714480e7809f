import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../../test/fake-sms-gateway';
import { type OwnPostgres, startOwnPostgres } from '../own-postgres';
import { createOwnRedis, type OwnRedis } from '../own-redis';
import {
  adminToken,
  floatWalletOf,
  productionEnv,
  type ServerProcess,
  spawnSource,
  startServerProcess,
} from '../server-process';
import { freePort, type SpawnedProcess } from '../spawned-process';
import { expectNothingLost as expectNothingLostAfter } from './ledger-promises';
import {
  type Attempt,
  faultLoad,
  fundedLoadWallets,
  underLoad as postUnderLoad,
  REQUEST_TIMEOUT_MS,
} from './posting-load';

/**
 * The fault suite (`pnpm test:faults`): the real server and SMS worker as processes, on a Postgres cluster
 * and a Redis of this file's own, under 32 concurrent posters, while one thing at a time fails. After each
 * fault: every acknowledged posting exists once, every unacknowledged one replays under its key to exactly
 * one posting, `pnpm verify` passes, every posting's notices reach the gateway once, no answer is a 500 or
 * comes after the deadline, and the server never exits by itself.
 */
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
      if (gatewayDelayMs > 0) await sleep(gatewayDelayMs);
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
  walletIds = await fundedLoadWallets(server.base, token, floatId);
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.kill(), worker?.kill()]);
  await ledger?.end();
  await redis?.close();
  await gateway?.close();
  pg?.close();
});

/** Runs `fault` while 32 clients post, with load before and after it; returns every attempt. */
function underLoad(fault: () => Promise<void>): Promise<Attempt[]> {
  const load = faultLoad({ base: server.base, token, floatId, walletIds });
  return postUnderLoad(load, fault, () => `server: ${server.stderr().slice(-3000)}`);
}

/** The promises kept after a fault, checked on the database itself, the verify command and the gateway. */
function expectNothingLost(attempts: Attempt[]) {
  const notices = { gateway, floatId };
  return expectNothingLostAfter(attempts, { server, token, ledger, databaseUrl: pg.url('tekana'), notices });
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
