import type { Wallet } from '@tekana/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { createOwnDatabase } from './harness';
import { rest, walletTypeLikePersonal } from './rest-client';
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
 * Two replicas of the server on one database, each with its own posting engine: their batches meet only on
 * the row locks. A database of this file's own, so that `drop()` verifies exactly what they posted.
 */
let database: Awaited<ReturnType<typeof createOwnDatabase>>;
let gateway: FakeSmsGateway;
let servers: ServerProcess[] = [];
let worker: SpawnedProcess | undefined;
let token: string;
let env: Record<string, string>;

beforeAll(async () => {
  [database, gateway] = await Promise.all([
    createOwnDatabase(),
    startFakeSmsGateway({ username: 'tekana', password: 'gateway-secret' }),
  ]);
  // One configuration for both, as replicas behind a load balancer: a token of one is good on the other.
  env = productionEnv({ databaseUrl: database.url, redisUrl: inject('redisUrl'), gateway });
  worker = spawnSource('apps/sms-worker/src/main.ts', env);
  servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  token = await adminToken(servers[0]?.base ?? '', database.url, gateway);
}, 45_000);

afterAll(async () => {
  await Promise.all([...servers.map((s) => s.kill()), worker?.kill()]);
  await gateway?.close();
  await database?.drop();
});

async function balanceOf(base: string, wallet: Wallet) {
  return (await rest<Wallet>(base, 'GET', `/wallets/${wallet.id}`, undefined, token)).body.data
    .currentBalance;
}

describe('two servers posting on the same wallets', () => {
  it('answers crosswise transfers, payments to a shared merchant and reversals with 201 or a 422 refusal, never a deadlock', async () => {
    const [one, two] = servers;
    if (!one || !two) throw new Error('two servers');
    const [a, b, merchant] = await Promise.all([
      customerWithWallet(one.base, token),
      customerWithWallet(two.base, token),
      customerWithWallet(one.base, token, 'MERCHANT'),
    ]);
    const float = await floatWalletOf(one.base, token);
    for (const c of [a, b]) {
      expect((await postTransaction(one.base, token, 'DEPOSIT', float.id, c.wallet.id, 3_000)).status).toBe(
        201,
      );
    }

    const earlier = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postTransaction(i % 2 ? one.base : two.base, token, 'TRANSFER', a.wallet.id, b.wallet.id, 25),
      ),
    );
    expect(earlier.map((r) => r.status)).toEqual(Array(20).fill(201));

    // A→B on one server while B→A on the other, both paying the merchant on both, and the earlier transfers
    // reversed meanwhile (a reversal takes its locks outside the engine, in the same order).
    const postings = Array.from({ length: 240 }, (_, i) => {
      const server = i % 2 ? one : two;
      const [from, to] = i % 2 ? [a, b] : [b, a];
      const amount = 20 + (i % 13) * 7;
      return i % 5 === 4
        ? postTransaction(server.base, token, 'PAYMENT', from.wallet.id, merchant.wallet.id, amount)
        : postTransaction(server.base, token, 'TRANSFER', from.wallet.id, to.wallet.id, amount);
    });
    const reversals = earlier.map((r, i) =>
      rest(i % 2 ? two.base : one.base, 'POST', `/transactions/${r.body.data.id}/reverse`, {}, token),
    );
    const [answers, reversed] = await Promise.all([Promise.all(postings), Promise.all(reversals)]);
    expect(reversed.filter((r) => r.status !== 201 && r.status !== 422).map((r) => r.body)).toEqual([]);

    const unexpected = answers.filter(
      (r) =>
        r.status !== 201 &&
        !(r.status === 422 && (r.body.data as { code?: string }).code === 'INSUFFICIENT_FUNDS'),
    );
    expect(unexpected.map((r) => [r.status, r.body.message])).toEqual([]);
    expect(answers.filter((r) => r.status === 201).length).toBeGreaterThan(0);
    const balances = await Promise.all([a, b, merchant].map((c) => balanceOf(two.base, c.wallet)));
    expect(balances.reduce((x, y) => x + y, 0)).toBe(6_000);
    expect(Math.min(...balances)).toBeGreaterThanOrEqual(0);
    const paid = answers
      .filter((r, i) => i % 5 === 4 && r.status === 201)
      .reduce((sum, r) => sum + r.body.data.amount, 0);
    expect(balances[2]).toBe(paid);
  }, 60_000);
});

describe('a limit per period raced for on two servers', () => {
  it('lets through exactly the postings that fit, wherever they land', async () => {
    const [one, two] = servers;
    if (!one || !two) throw new Error('two servers');
    const walletType = await walletTypeLikePersonal(one.base, token);
    const limit = { walletTypeId: walletType.id, period: 'DAY', maxAmount: 1_000 };
    expect((await rest(one.base, 'PUT', '/limits', limit, token)).status).toBe(200);
    const [sender, payee] = await Promise.all([
      customerWithWallet(one.base, token, walletType.code),
      customerWithWallet(two.base, token),
    ]);
    const float = await floatWalletOf(one.base, token);
    expect(
      (await postTransaction(one.base, token, 'DEPOSIT', float.id, sender.wallet.id, 5_000)).status,
    ).toBe(201);
    // 50 postings of 30, half on each server: 33 fit in 1,000.
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postTransaction(
          i % 2 ? one.base : two.base,
          token,
          'TRANSFER',
          sender.wallet.id,
          payee.wallet.id,
          30,
        ),
      ),
    );
    const codes = answers.map((a) => (a.status === 201 ? 'posted' : (a.body.data as { code?: string }).code));
    expect(codes.filter((c) => c === 'posted')).toHaveLength(33);
    expect(codes.filter((c) => c === 'LIMIT_EXCEEDED')).toHaveLength(17);
    expect(await balanceOf(two.base, sender.wallet)).toBe(5_000 - 990);
  }, 60_000);
});

describe('logout across servers', () => {
  it('refuses a token on server B within a second of its logout on server A', async () => {
    const [one, two] = servers;
    if (!one || !two) throw new Error('two servers');
    const signedOut = await adminToken(one.base, database.url, gateway);
    // Known to B first, so that B has the token's check cached when the logout happens on A.
    expect((await rest(two.base, 'GET', '/customers/me', undefined, signedOut)).status).toBe(200);

    const out = await rest(one.base, 'POST', '/customers/logout', undefined, signedOut);
    expect(out.status).toBe(200);
    const loggedOutAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - loggedOutAt < 5_000) {
      status = (await rest(two.base, 'GET', '/customers/me', undefined, signedOut)).status;
    }
    const refusedAfterMs = Date.now() - loggedOutAt;
    expect(status).toBe(401);
    expect(refusedAfterMs).toBeLessThan(1_000);
    // The other token is still good on both.
    for (const server of [one, two]) {
      expect((await rest(server.base, 'GET', '/customers/me', undefined, token)).status).toBe(200);
    }
  }, 30_000);

  it('refuses a token signed out before a server started, on that server too', async () => {
    const signedOut = await adminToken(servers[0]?.base ?? '', database.url, gateway);
    expect(
      (await rest(servers[0]?.base ?? '', 'POST', '/customers/logout', undefined, signedOut)).status,
    ).toBe(200);
    const late = await startServerProcess(env);
    servers.push(late);
    expect((await rest(late.base, 'GET', '/customers/me', undefined, signedOut)).status).toBe(401);
    expect((await rest(late.base, 'GET', '/customers/me', undefined, token)).status).toBe(200);
  }, 60_000);
});
