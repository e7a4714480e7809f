import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createBullmqSmsQueue,
  createInProcessSmsQueue,
  createMemoryOtpStore,
  createMemoryRateLimiter,
  createMemoryRecentWrites,
  createMemoryTokenRevocations,
  createRedisOtpStore,
  createRedisRateLimiter,
  createRedisRecentWrites,
  createRedisTokenRevocations,
  createServices,
  type RateLimit,
  type Services,
  systemClock,
} from '@tekana/api';
import { createDatabase, type Database } from '@tekana/db';
import { createSmsProvider } from '@tekana/sms';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Config, databaseSettings } from './config';
import { createMetrics, type Metrics } from './http/metrics';
import { embeddedJwtSecret } from './jwt-secret';
import { startRelayThread } from './own-relay';
import { connectRedis, waitForRedis } from './redis';

/** Everything the server holds for its lifetime: adapters chosen once, here, from the config. */
export type Runtime = {
  mode: 'production' | 'embedded';
  database: Database;
  redis: Redis | undefined;
  services: Services;
  metrics: Metrics;
  close(): Promise<void>;
};

/**
 * JWT_SECRET when set. Otherwise the embedded server keeps a key of its own in DATA_DIR; a server on
 * PostgreSQL (outside production, which requires JWT_SECRET) signs with a random key of this process.
 */
function signingKey(config: Config, database: Database, log: Logger): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (database.kind === 'embedded') {
    const { secret, path, created } = embeddedJwtSecret(config.DATA_DIR);
    if (created) log.info(`JWT_SECRET is not set: made a signing key, kept in ${path} for later starts`);
    return secret;
  }
  log.warn('JWT_SECRET is not set: tokens are signed with a random key and die with this process');
  return randomBytes(32).toString('hex');
}

export async function createRuntime(config: Config, log: Logger): Promise<Runtime> {
  const database = createDatabase({
    ...databaseSettings(config),
    replicaUrls: config.DATABASE_REPLICA_URLS,
    maxConnections: config.DATABASE_POOL_SIZE,
  });
  let jwtSecret: string;
  try {
    await database.migrate();
    jwtSecret = signingKey(config, database, log);
  } catch (error) {
    await database.close();
    throw error;
  }

  const redis = config.REDIS_URL ? connectRedis(config.REDIS_URL, log) : undefined;
  const queueRedis = config.REDIS_URL ? connectRedis(config.REDIS_URL, log) : undefined;
  // Subscribed to the token revocations, so it runs no other command.
  const revocationsRedis = config.REDIS_URL ? connectRedis(config.REDIS_URL, log) : undefined;
  const connections = [redis, queueRedis, revocationsRedis].flatMap((c) => c ?? []);
  await Promise.all(connections.map((c) => waitForRedis(c, 5_000)));

  const window = config.RATE_LIMIT_WINDOW_SECONDS;
  const limiter = (name: string, points: number) => {
    const limit: RateLimit = { points, durationSeconds: window };
    return redis
      ? createRedisRateLimiter(redis, config.REDIS_PREFIX, name, limit)
      : createMemoryRateLimiter(name, limit);
  };
  const otpStore = redis
    ? createRedisOtpStore(redis, config.REDIS_PREFIX, config.OTP_MAX_ATTEMPTS)
    : createMemoryOtpStore(config.OTP_MAX_ATTEMPTS);
  const revocations =
    redis && revocationsRedis
      ? createRedisTokenRevocations(redis, revocationsRedis, config.REDIS_PREFIX, log)
      : createMemoryTokenRevocations({
          // Beside the signing key the embedded server keeps: a restart must not undo a logout.
          file: database.kind === 'embedded' ? join(config.DATA_DIR, 'revoked-tokens.jsonl') : undefined,
        });
  // Tokens revoked before this start are refused from the first request (when Redis answers now).
  await revocations.start();
  const smsQueue = queueRedis
    ? createBullmqSmsQueue(queueRedis, config.SMS_QUEUE_NAME, config.REDIS_PREFIX)
    : createInProcessSmsQueue(createSmsProvider(config), log);

  // In Redis when there is one, since a caller's next read may reach another server.
  const readYourWritesMs = config.DATABASE_READ_YOUR_WRITES_SECONDS * 1_000;
  const recentWrites = redis
    ? createRedisRecentWrites(redis, config.REDIS_PREFIX, readYourWritesMs)
    : createMemoryRecentWrites(readYourWritesMs);

  const metrics = createMetrics();
  const services = createServices({
    database,
    onPostingBatch: metrics.observePostingBatch,
    otpStore,
    revocations,
    recentWrites,
    smsQueue,
    // With a queue in Redis, the relay's bulk work runs off the request loop; in embedded mode it cannot
    // (PGlite is one connection, held by this thread).
    noticeRelay:
      config.DATABASE_URL && config.REDIS_URL
        ? startRelayThread({ ...config, DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL }, log)
        : undefined,
    clock: systemClock,
    limitsTimeZone: config.LIMITS_TIME_ZONE,
    log,
    limits: {
      loginPerIp: limiter('login-ip', config.RATE_LIMIT_LOGIN_PER_IP),
      loginPerAccount: limiter('login-account', config.RATE_LIMIT_LOGIN_PER_ACCOUNT),
      otpPerIp: limiter('otp-ip', config.RATE_LIMIT_OTP_PER_IP),
      otpPerAccount: limiter('otp-account', config.RATE_LIMIT_OTP_PER_ACCOUNT),
      walletLookupPerCaller: limiter('wallet-lookup', config.RATE_LIMIT_WALLET_LOOKUP_PER_CALLER),
    },
    jwtSecret,
    jwtTtl: config.JWT_TTL,
    otpTtlSeconds: config.OTP_TTL_SECONDS,
    holdSweepIntervalMs: config.HOLD_SWEEP_INTERVAL_MS,
  });

  services.noticeRelay.start();
  services.dailyMaintenance.start();
  services.holdSweeper.start();

  return {
    mode: database.kind === 'postgres' && redis ? 'production' : 'embedded',
    database,
    redis,
    services,
    metrics,
    async close() {
      await services.holdSweeper.stop();
      await services.noticeRelay.stop();
      await services.dailyMaintenance.stop();
      await smsQueue.close();
      await revocations.close();
      await Promise.allSettled(connections.map((c) => c.quit()));
      await database.close();
    },
  };
}
