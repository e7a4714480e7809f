import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createMemoryRecentWrites, createRedisRecentWrites, type RecentWrites } from './recent-writes';

const windowMs = 10_000;

function behavesAsRecentWrites(make: (now: () => number) => RecentWrites) {
  it('knows nothing of a caller who wrote nothing', async () => {
    expect(await make(Date.now).positionOf(randomUUID())).toBeUndefined();
  });

  it("keeps each caller's furthest position, whatever order the records arrive in", async () => {
    const writes = make(Date.now);
    const [aline, bosco] = [randomUUID(), randomUUID()];
    await writes.record([aline, bosco], 500n);
    await writes.record([aline], 900n);
    await writes.record([aline, bosco], 700n);
    expect(await writes.positionOf(aline)).toBe(900n);
    expect(await writes.positionOf(bosco)).toBe(700n);
  });

  it('orders positions past 2^53 exactly', async () => {
    const writes = make(Date.now);
    const caller = randomUUID();
    const far = 2n ** 60n + 1n;
    await writes.record([caller], far);
    await writes.record([caller], far - 1n);
    expect(await writes.positionOf(caller)).toBe(far);
  });
}

describe('recent writes in memory (one server)', () => {
  behavesAsRecentWrites((now) => createMemoryRecentWrites(windowMs, now));

  it("forgets a caller's writes once the window has passed since the last one", async () => {
    let nowMs = Date.now();
    const writes = createMemoryRecentWrites(windowMs, () => nowMs);
    const caller = randomUUID();
    await writes.record([caller], 10n);
    nowMs += windowMs - 1;
    await writes.record([caller], 5n);
    nowMs += windowMs - 1;
    expect(await writes.positionOf(caller)).toBe(10n);
    nowMs += 1;
    expect(await writes.positionOf(caller)).toBeUndefined();
  });
});

describe('recent writes in Redis (several servers)', () => {
  const redis = new Redis(inject('redisUrl'), { lazyConnect: false });
  const prefix = `test:${inject('runId')}:${randomBytes(4).toString('hex')}:`;
  afterAll(() => redis.quit());

  behavesAsRecentWrites(() => createRedisRecentWrites(redis, prefix, windowMs));

  it('tells every server what a caller wrote on any one of them', async () => {
    const [one, other] = [
      createRedisRecentWrites(redis, prefix, windowMs),
      createRedisRecentWrites(redis, prefix, windowMs),
    ];
    const caller = randomUUID();
    await one.record([caller], 42n);
    expect(await other.positionOf(caller)).toBe(42n);
    await other.record([caller], 43n);
    expect(await one.positionOf(caller)).toBe(43n);
  });

  it('keeps each position for the window only', async () => {
    const writes = createRedisRecentWrites(redis, prefix, windowMs);
    const caller = randomUUID();
    await writes.record([caller], 7n);
    const ttl = await redis.pttl(`${prefix}wrote:${caller}`);
    expect(ttl).toBeGreaterThan(windowMs - 1_000);
    expect(ttl).toBeLessThanOrEqual(windowMs);
  });
});
