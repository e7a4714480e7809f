import { DomainError } from '@tekana/contracts';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type RateLimit = { points: number; durationSeconds: number };

/** Counts attempts per key; `consume` reports whether this attempt is still within the limit. */
export interface RateLimiter {
  consume(key: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** The limits the services enforce, made once by the server (memory or Redis). */
export type Limits = {
  /** Per IP and per account (email for login, phone for validateOtp). */
  loginPerIp: RateLimiter;
  loginPerAccount: RateLimiter;
  otpPerIp: RateLimiter;
  otpPerAccount: RateLimiter;
  /** Wallet lookups per signed-in caller: a lookup must not become a directory of our customers. */
  walletLookupPerCaller: RateLimiter;
};

/** Counts one attempt under `key`; past the limit, refuses it with 429 and when to try again. */
export async function enforceLimit(limiter: RateLimiter, key: string): Promise<void> {
  const { allowed, retryAfterSeconds } = await limiter.consume(key);
  if (!allowed)
    throw new DomainError('TOO_MANY_REQUESTS', `Too many attempts; try again in ${retryAfterSeconds} s`);
}

type Backend = RateLimiterMemory | RateLimiterRedis;

function wrap(backend: Backend): RateLimiter {
  return {
    async consume(key) {
      try {
        await backend.consume(key);
        return { allowed: true, retryAfterSeconds: 0 };
      } catch (result) {
        // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an Error on failure.
        if (result instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.ceil(result.msBeforeNext / 1000) };
        }
        throw result;
      }
    },
  };
}

export function createMemoryRateLimiter(name: string, limit: RateLimit): RateLimiter {
  return wrap(
    new RateLimiterMemory({ keyPrefix: name, points: limit.points, duration: limit.durationSeconds }),
  );
}

export function createRedisRateLimiter(
  redis: Redis,
  prefix: string,
  name: string,
  limit: RateLimit,
): RateLimiter {
  return wrap(
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}rl:${name}`,
      points: limit.points,
      duration: limit.durationSeconds,
    }),
  );
}
