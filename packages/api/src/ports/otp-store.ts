import type { Redis } from 'ioredis';

export type OtpCheck = 'OK' | 'WRONG' | 'MISSING' | 'LOCKED';

/**
 * Holds one pending OTP per customer, as a hash only: at most `maxAttempts` tries, single use, expiring.
 * A wrong try counts; the try that exhausts the budget deletes the code (LOCKED), and so does success.
 */
export interface OtpStore {
  save(customerId: string, otpHash: string, ttlSeconds: number): Promise<void>;
  check(customerId: string, otpHash: string): Promise<OtpCheck>;
}

export function createMemoryOtpStore(maxAttempts: number, now: () => number = Date.now): OtpStore {
  const entries = new Map<string, { hash: string; attempts: number; expiresAt: number }>();
  return {
    async save(customerId, hash, ttlSeconds) {
      entries.set(customerId, { hash, attempts: 0, expiresAt: now() + ttlSeconds * 1000 });
    },
    async check(customerId, hash) {
      const entry = entries.get(customerId);
      if (!entry || entry.expiresAt <= now()) {
        entries.delete(customerId);
        return 'MISSING';
      }
      if (entry.hash === hash) {
        entries.delete(customerId);
        return 'OK';
      }
      entry.attempts += 1;
      if (entry.attempts >= maxAttempts) {
        entries.delete(customerId);
        return 'LOCKED';
      }
      return 'WRONG';
    },
  };
}

// One round trip, atomic: compare, count the try, delete on success or on the last try.
const CHECK_SCRIPT = `
local stored = redis.call('HGET', KEYS[1], 'hash')
if not stored then return 'MISSING' end
if stored == ARGV[1] then redis.call('DEL', KEYS[1]) return 'OK' end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if attempts >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) return 'LOCKED' end
return 'WRONG'
`;

export function createRedisOtpStore(redis: Redis, prefix: string, maxAttempts: number): OtpStore {
  const key = (customerId: string) => `${prefix}otp:${customerId}`;
  return {
    async save(customerId, hash, ttlSeconds) {
      await redis
        .multi()
        .del(key(customerId))
        .hset(key(customerId), 'hash', hash, 'attempts', 0)
        .expire(key(customerId), ttlSeconds)
        .exec();
    },
    async check(customerId, hash) {
      return (await redis.eval(CHECK_SCRIPT, 1, key(customerId), hash, maxAttempts)) as OtpCheck;
    },
  };
}
