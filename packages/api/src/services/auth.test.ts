import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '@tekana/contracts';
import { createDatabase } from '@tekana/db';
import { createDecoder, createSigner } from 'fast-jwt';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createMemoryOtpStore } from '../ports/otp-store';
import { createMemoryRateLimiter } from '../ports/rate-limiter';
import { createMemoryTokenRevocations } from '../ports/token-revocations';
import { createAuthService, signAccessToken } from './auth';
import { createVerifiedTokens } from './verified-tokens';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
afterAll(async () => {
  await database.close();
});

const secret = randomBytes(32).toString('hex');
const key = new TextEncoder().encode(secret);
let nowMs = Date.now();
const limit = () => createMemoryRateLimiter(randomUUID(), { points: 1_000, durationSeconds: 60 });
const auth = createAuthService({
  database,
  otpStore: createMemoryOtpStore(5),
  revocations: createMemoryTokenRevocations({ now: () => nowMs }),
  smsQueue: { async enqueue() {}, async enqueueMany() {}, async close() {} },
  clock: { now: () => new Date(nowMs) },
  limits: {
    loginPerIp: limit(),
    loginPerAccount: limit(),
    otpPerIp: limit(),
    otpPerAccount: limit(),
    walletLookupPerCaller: limit(),
  },
  jwtSecret: secret,
  jwtTtl: '1h',
  otpTtlSeconds: 300,
});

const customer: Actor = { id: randomUUID(), role: 'CUSTOMER' };
/** The actor a token names, or null when refused. */
const actorOf = async (token: string) => (await auth.verifyToken(token))?.actor ?? null;
beforeEach(() => {
  nowMs = Date.now();
});

/** The same token with its claims part replaced, the signature left as it was. */
function withClaims(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const changed = { ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), ...claims };
  return [header, Buffer.from(JSON.stringify(changed)).toString('base64url'), signature].join('.');
}

describe('bearer tokens', () => {
  it('accepts a token up to its expiry and not a millisecond past it, though its check was cached', async () => {
    const token = await signAccessToken(key, customer, '1h');
    const expiresAtMs = ((createDecoder()(token) as { exp?: number }).exp ?? 0) * 1000;
    expect(await actorOf(token)).toEqual(customer);
    nowMs = expiresAtMs - 1;
    expect(await actorOf(token)).toEqual(customer);
    nowMs = expiresAtMs;
    expect(await actorOf(token)).toBeNull();
    nowMs = expiresAtMs + 60_000;
    expect(await actorOf(token)).toBeNull();
  });

  it('refuses a token whose claims were changed (a customer made ADMIN) while the genuine one is cached', async () => {
    const token = await signAccessToken(key, customer, '1h');
    expect(await actorOf(token)).toEqual(customer);
    const promoted = withClaims(token, { role: 'ADMIN' });
    expect(await actorOf(promoted)).toBeNull();
    expect(await actorOf(promoted)).toBeNull();
    expect(await actorOf(token)).toEqual(customer);
  });

  it('refuses a token signed with another key, or already expired when first seen', async () => {
    const otherKey = new TextEncoder().encode(randomBytes(32).toString('hex'));
    expect(await actorOf(await signAccessToken(otherKey, customer, '1h'))).toBeNull();
    const token = await signAccessToken(key, customer, '1h');
    nowMs += 2 * 3_600_000;
    expect(await actorOf(token)).toBeNull();
  });
});

describe('revoked tokens', () => {
  it('gives every token an id of its own', async () => {
    const decode = createDecoder();
    const [a, b] = await Promise.all([
      signAccessToken(key, customer, '1h'),
      signAccessToken(key, customer, '1h'),
    ]);
    const ids = [a, b].map((t) => (decode(t) as { jti?: unknown }).jti);
    expect(ids).toEqual([expect.any(String), expect.any(String)]);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('refuses a signed-out token at once, though its check was cached, and not the same customer’s others', async () => {
    const [token, other] = await Promise.all([
      signAccessToken(key, customer, '1h'),
      signAccessToken(key, customer, '1h'),
    ]);
    const verified = await auth.verifyToken(token);
    expect(await actorOf(other)).toEqual(customer);
    expect(await auth.logout(verified?.claims ?? expect.fail('not verified'))).toEqual({ signedOut: true });
    expect(await actorOf(token)).toBeNull();
    expect(await actorOf(other)).toEqual(customer);
  });

  it('refuses a token without an id, which could never be revoked', async () => {
    const legacy = createSigner({ key: Buffer.from(key), iss: 'tekana', sub: customer.id, expiresIn: '1h' })({
      role: 'CUSTOMER',
    });
    expect(await actorOf(legacy)).toBeNull();
  });
});

describe('the verified-token cache', () => {
  const entry = (tokenId: string, expiresAtMs: number) => ({
    actor: customer,
    claims: { tokenId, expiresAtMs },
  });

  it('holds at most its bound, dropping the oldest token first, however many distinct tokens arrive', () => {
    const tokens = createVerifiedTokens(100);
    const farFuture = Date.now() + 3_600_000;
    for (let i = 0; i < 10_000; i++) tokens.remember(`token-${i}`, entry(`id-${i}`, farFuture));
    expect(tokens.size).toBe(100);
    expect(tokens.get('token-9899', 0)).toBeUndefined();
    expect(tokens.get('token-9900', 0)?.actor).toEqual(customer);
    expect(tokens.get('token-9999', 0)?.claims.tokenId).toBe('id-9999');
  });

  it('forgets a token once it has expired', () => {
    const tokens = createVerifiedTokens();
    tokens.remember('token', entry('id', 1_000));
    expect(tokens.get('token', 999)?.actor).toEqual(customer);
    expect(tokens.get('token', 1_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });
});
