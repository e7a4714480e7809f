import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export function connectRedis(url: string, log: Logger): Redis {
  // Fail fast while Redis is down (the caller answers 503) instead of queueing commands until a timeout.
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3_000,
    // A Redis that accepts but never answers fails the command (503) instead of hanging it.
    commandTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection error'));
  return redis;
}

export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
