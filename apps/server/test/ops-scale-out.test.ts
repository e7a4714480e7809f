import { randomBytes } from 'node:crypto';
import type { Customer, Transaction } from '@tekana/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { createOwnDatabase, newCustomerInput } from './harness';
import { type Middleman, startNginx, startPgBouncer } from './proxies';
import { rest } from './rest-client';
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
 * Scaled out as the README's "Behind PgBouncer" describes: two server processes behind one nginx port,
 * both reaching Postgres through PgBouncer in transaction mode and sharing one Redis. Whichever server
 * answers, a customer signs in, is limited, is signed out and posts exactly as with one.
 */
let database: Awaited<ReturnType<typeof createOwnDatabase>>;
let gateway: FakeSmsGateway;
let bouncer: Middleman;
let nginx: Middleman;
let servers: ServerProcess[] = [];
let worker: SpawnedProcess | undefined;
let base: string;
let admin: string;

const LOGIN_LIMIT = 3;

beforeAll(async () => {
  [database, gateway, bouncer] = await Promise.all([
    createOwnDatabase(),
    startFakeSmsGateway({ username: 'tekana', password: 'gateway-secret' }),
    startPgBouncer(inject('adminDatabaseUrl')),
  ]);
  const pooled = new URL(database.url);
  pooled.port = String(bouncer.port);
  const env = {
    ...productionEnv({ databaseUrl: pooled.toString(), redisUrl: inject('redisUrl'), gateway }),
    DATABASE_MIGRATION_URL: database.url,
    DATABASE_PREPARED_STATEMENTS: 'false',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: String(LOGIN_LIMIT),
  };
  // Started together: they migrate the same new database at once, which the migration lock serialises.
  servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  worker = spawnSource('apps/sms-worker/src/main.ts', env);
  nginx = await startNginx(servers.map((s) => Number(new URL(s.base).port)));
  base = `http://127.0.0.1:${nginx.port}`;
  admin = await adminToken(base, database.url, gateway);
}, 120_000);

afterAll(async () => {
  await nginx?.close();
  await Promise.all([...servers.map((s) => s.kill()), worker?.kill()]);
  await bouncer?.close();
  await gateway?.close();
  await database?.drop();
});

/** How many requests each server has answered, from its own /metrics. */
async function answeredBy(): Promise<number[]> {
  return Promise.all(
    servers.map(async (s) => {
      const text = await (await fetch(`${s.base}/metrics`)).text();
      return [...text.matchAll(/^http_request_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    }),
  );
}

describe('two servers behind one port, through PgBouncer in transaction mode', () => {
  it('signs a customer in across both, limits and signs them out across both', async () => {
    const input = newCustomerInput();
    expect((await rest<Customer>(base, 'POST', '/customers/register', input)).status).toBe(201);
    const before = await answeredBy();
    // Login on one server, validateOtp on the other (round robin): the OTP lives in the shared Redis.
    const since = gateway.posts.length;
    const login = await rest(base, 'POST', '/customers/login', {
      email: input.email,
      password: input.password,
    });
    expect(login.status).toBe(200);
    const otp = /\b(\d{6})\b/.exec((await gateway.waitFor(input.phoneNumber, since)).message)?.[1];
    const validated = await rest(base, 'PUT', '/customers/validateOtp', {
      phoneNumber: input.phoneNumber,
      otp,
    });
    expect(validated.status).toBe(200);
    const token = validated.body.token as string;
    for (let i = 0; i < 4; i++) {
      expect((await rest(base, 'GET', '/customers/me', undefined, token)).status).toBe(200);
    }
    const after = await answeredBy();
    expect(after.map((n, i) => n - (before[i] ?? 0)).every((n) => n >= 2)).toBe(true);

    // Signed out through one server: refused by both from then on.
    expect((await rest(base, 'POST', '/customers/logout', undefined, token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    for (const server of servers) {
      expect((await rest(server.base, 'GET', '/customers/me', undefined, token)).status).toBe(401);
    }

    // The per-account login limit counts the tries both servers saw.
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_LIMIT + 2; i++) {
      statuses.push(
        (await rest(base, 'POST', '/customers/login', { email: input.email, password: 'wrong-pass-1' }))
          .status,
      );
    }
    expect(statuses.slice(0, LOGIN_LIMIT - 1)).not.toContain(429);
    expect(statuses.at(-1)).toBe(429);
  }, 60_000);

  it('posts 200 concurrent payments to one merchant once each, with every balance right', async () => {
    const floatId = (await floatWalletOf(base, admin)).id;
    const merchant = await customerWithWallet(base, admin, 'MERCHANT');
    const payers = await Promise.all(Array.from({ length: 4 }, () => customerWithWallet(base, admin)));
    for (const payer of payers) {
      expect((await postTransaction(base, admin, 'DEPOSIT', floatId, payer.wallet.id, 10_000)).status).toBe(
        201,
      );
    }
    // Posted by the admin (saves signing four payers in), each under its own key; 20 sent twice.
    const bodies = Array.from({ length: 200 }, (_, i) => ({
      externalReferenceNumber: `scale-out-${randomBytes(6).toString('hex')}`,
      transactionTypeCode: 'PAYMENT',
      debitedWalletId: payers[i % payers.length]?.wallet.id,
      creditedWalletId: merchant.wallet.id,
      amount: 10,
      channelType: 'APP',
    }));
    const posted = await Promise.all(
      [...bodies, ...bodies.slice(0, 20)].map((body) =>
        rest<Transaction>(base, 'POST', '/transactions', body, admin),
      ),
    );
    expect(posted.filter((p) => p.status !== 201).map((p) => `${p.status} ${p.body.message}`)).toEqual([]);
    expect(new Set(posted.map((p) => p.body.data.id)).size).toBe(200);
    const wallet = await rest<{ currentBalance: number }>(
      base,
      'GET',
      `/wallets/${merchant.wallet.id}`,
      undefined,
      admin,
    );
    expect(wallet.body.data.currentBalance).toBe(200 * 10);
  }, 60_000);
});
