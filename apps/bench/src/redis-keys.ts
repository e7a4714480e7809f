import { Redis } from 'ioredis';

/** Walks every key under `prefix` with SCAN, a page at a time; `visit` gives what it counts of each page. */
async function scanKeys(
  redisUrl: string,
  prefix: string,
  visit: (redis: Redis, keys: string[]) => Promise<number>,
): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  let total = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) total += await visit(redis, keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return total;
}

/** How many keys are under `prefix` (what the run left in Redis: queued SMS jobs above all). */
export function countRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  return scanKeys(redisUrl, prefix, async (_redis, keys) => keys.length);
}

/** Deletes every key under `prefix` (the bench server's OTPs, limits and SMS queue) with SCAN + DEL. */
export function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  return scanKeys(redisUrl, prefix, (redis, keys) => redis.del(...keys));
}
