import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { silentLogger } from './logger';
import {
  createMemoryTokenRevocations,
  createRedisTokenRevocations,
  type TokenClaims,
  type TokenRevocations,
} from './token-revocations';

const hourMs = 3_600_000;
const claims = (overrides: Partial<TokenClaims> = {}): TokenClaims => ({
  tokenId: randomUUID(),
  expiresAtMs: Date.now() + hourMs,
  ...overrides,
});

describe('token revocations in memory (embedded mode)', () => {
  it('refuses a revoked token until it expires, then forgets it', async () => {
    let nowMs = Date.now();
    const revocations = createMemoryTokenRevocations({ now: () => nowMs });
    const token = claims();
    expect(revocations.isRevoked(token)).toBe(false);
    await revocations.revokeToken(token.tokenId, nowMs + 1_000);
    expect(revocations.isRevoked(token)).toBe(true);
    expect(revocations.isRevoked(claims())).toBe(false);
    nowMs += 1_000;
    // Past its expiry the token is refused anyway; the entry is no longer needed.
    await revocations.revokeToken(randomUUID(), nowMs);
    expect(revocations.isRevoked(claims())).toBe(false);
  });
});

describe('token revocations kept in a file (embedded mode, whose signing key outlives a restart)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tekana-revocations-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('are refused again after a restart, and the expired ones are dropped from the file', async () => {
    const file = join(folder, 'revoked-tokens.jsonl');
    let nowMs = Date.now();
    const first = createMemoryTokenRevocations({ now: () => nowMs, file });
    await first.start();
    const [token, shortLived] = [claims(), claims()];
    await first.revokeToken(token.tokenId, token.expiresAtMs);
    await first.revokeToken(shortLived.tokenId, nowMs + 1_000);
    await first.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    nowMs += 2_000;
    const restarted = createMemoryTokenRevocations({ now: () => nowMs, file });
    await restarted.start();
    expect(restarted.isRevoked(token)).toBe(true);
    expect(readFileSync(file, 'utf8')).not.toContain(shortLived.tokenId);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    await restarted.close();
  });
});

describe('token revocations shared through Redis', () => {
  const url = inject('redisUrl');
  const admin = new Redis(url);
  const opened: { revocations: TokenRevocations; connections: Redis[] }[] = [];
  afterEach(async () => {
    for (const { revocations, connections } of opened.splice(0)) {
      await revocations.close();
      for (const c of connections) c.disconnect();
    }
  });
  afterAll(() => admin.disconnect());

  /** One server's revocations: its command connection and its subscriber. */
  async function server(prefix: string) {
    const [commands, subscriber] = [new Redis(url), new Redis(url)];
    const revocations = createRedisTokenRevocations(commands, subscriber, prefix, silentLogger);
    opened.push({ revocations, connections: [commands, subscriber] });
    await new Promise((resolve) => subscriber.once('ready', resolve));
    await revocations.start();
    return { revocations, subscriber };
  }
  const newPrefix = () => `test:${inject('runId')}:revocations-${randomBytes(4).toString('hex')}:`;

  it('tells every server of a logout within a second, and keeps it in Redis until the token expires', async () => {
    const prefix = newPrefix();
    const [a, b] = await Promise.all([server(prefix), server(prefix)]);
    const token = claims();
    await a.revocations.revokeToken(token.tokenId, token.expiresAtMs);
    expect(a.revocations.isRevoked(token)).toBe(true);
    await expect.poll(() => b.revocations.isRevoked(token), { timeout: 1_000, interval: 10 }).toBe(true);
    const ttl = await admin.pttl(`${prefix}revoked:token:${token.tokenId}`);
    expect(ttl).toBeGreaterThan(hourMs - 10_000);
    expect(ttl).toBeLessThanOrEqual(hourMs);
  });

  it('loads the revocations made before a server started', async () => {
    const prefix = newPrefix();
    const a = await server(prefix);
    const token = claims();
    await a.revocations.revokeToken(token.tokenId, token.expiresAtMs);
    const later = await server(prefix);
    expect(later.revocations.isRevoked(token)).toBe(true);
  });

  it('after its subscriber reconnects, loads what it could not hear meanwhile', async () => {
    const prefix = newPrefix();
    const b = await server(prefix);
    // Written as a revocation is, but never published: only a load finds it.
    const token = claims();
    const missed = JSON.stringify({ kind: 'token', id: token.tokenId, untilMs: token.expiresAtMs });
    await admin.set(`${prefix}revoked:token:${token.tokenId}`, missed, 'PX', hourMs);
    expect(b.revocations.isRevoked(token)).toBe(false);
    b.subscriber.disconnect(true);
    await expect.poll(() => b.revocations.isRevoked(token), { timeout: 5_000 }).toBe(true);
    // It listens again too.
    const next = claims();
    await (await server(prefix)).revocations.revokeToken(next.tokenId, next.expiresAtMs);
    await expect.poll(() => b.revocations.isRevoked(next), { timeout: 1_000 }).toBe(true);
  });

  it('keeps servers under other prefixes apart', async () => {
    const [a, other] = await Promise.all([server(newPrefix()), server(newPrefix())]);
    const token = claims();
    await a.revocations.revokeToken(token.tokenId, token.expiresAtMs);
    await new Promise((r) => setTimeout(r, 200));
    expect(other.revocations.isRevoked(token)).toBe(false);
  });
});
