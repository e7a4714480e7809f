import { randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '@tekana/contracts';
import { createDatabase } from '@tekana/db';
import { createDecoder } from 'fast-jwt';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createMemoryOtpStore } from '../ports/otp-store';
import { createMemoryRateLimiter } from '../ports/rate-limiter';
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
  smsQueue: { async enqueue() {}, async enqueueMany() {}, async close() {} },
  clock: { now: () => new Date(nowMs) },
  limits: { loginPerIp: limit(), loginPerAccount: limit(), otpPerIp: limit(), otpPerAccount: limit() },
  jwtSecret: secret,
  jwtTtl: '1h',
  otpTtlSeconds: 300,
});

const customer: Actor = { id: randomUUID(), role: 'CUSTOMER' };
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
    expect(await auth.verifyToken(token)).toEqual(customer);
    nowMs = expiresAtMs - 1;
    expect(await auth.verifyToken(token)).toEqual(customer);
    nowMs = expiresAtMs;
    expect(await auth.verifyToken(token)).toBeNull();
    nowMs = expiresAtMs + 60_000;
    expect(await auth.verifyToken(token)).toBeNull();
  });

  it('refuses a token whose claims were changed (a customer made ADMIN) while the genuine one is cached', async () => {
    const token = await signAccessToken(key, customer, '1h');
    expect(await auth.verifyToken(token)).toEqual(customer);
    const promoted = withClaims(token, { role: 'ADMIN' });
    expect(await auth.verifyToken(promoted)).toBeNull();
    expect(await auth.verifyToken(promoted)).toBeNull();
    expect(await auth.verifyToken(token)).toEqual(customer);
  });

  it('refuses a token signed with another key, or already expired when first seen', async () => {
    const otherKey = new TextEncoder().encode(randomBytes(32).toString('hex'));
    expect(await auth.verifyToken(await signAccessToken(otherKey, customer, '1h'))).toBeNull();
    const token = await signAccessToken(key, customer, '1h');
    nowMs += 2 * 3_600_000;
    expect(await auth.verifyToken(token)).toBeNull();
  });
});

describe('the verified-token cache', () => {
  it('holds at most its bound, dropping the oldest token first, however many distinct tokens arrive', () => {
    const tokens = createVerifiedTokens(100);
    const farFuture = Date.now() + 3_600_000;
    for (let i = 0; i < 10_000; i++) tokens.remember(`token-${i}`, customer, farFuture);
    expect(tokens.size).toBe(100);
    expect(tokens.get('token-9899', 0)).toBeUndefined();
    expect(tokens.get('token-9900', 0)).toEqual(customer);
    expect(tokens.get('token-9999', 0)).toEqual(customer);
  });

  it('forgets a token once it has expired', () => {
    const tokens = createVerifiedTokens();
    tokens.remember('token', customer, 1_000);
    expect(tokens.get('token', 999)).toEqual(customer);
    expect(tokens.get('token', 1_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });
});
