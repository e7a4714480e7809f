import { ConfigError, parseEnvironment } from '@tekana/contracts';
import { readEnvironment } from '@tekana/contracts/dotenv';
import type { DatabaseConfig } from '@tekana/db';
import { checkSmsProviderEnv, smsProviderEnvSchema, smsQueueEnvSchema } from '@tekana/sms';
import { z } from 'zod';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  );

/** An origin as browsers send it (scheme, host, port: no path), for the CORS allowlist. */
const origin = z
  .url({ protocol: /^https?$/, error: 'CORS_ORIGINS lists origins such as https://app.tekana.rw' })
  .transform((text) => new URL(text))
  .pipe(
    z
      .instanceof(URL)
      .refine((url) => url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password, {
        error: 'CORS_ORIGINS lists origins (scheme, host and port), with no path, query or credentials',
      })
      .transform((url) => url.origin),
  );

/**
 * The server's whole configuration, from the environment, checked once at start. Nothing else reads
 * process.env. Defaults give the embedded mode: PGlite in DATA_DIR, in-memory OTPs and limits, SMS in-process.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000).pipe(z.number().max(65_535)),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATABASE_REPLICA_URLS: list.pipe(z.array(z.url({ protocol: /^postgres(ql)?$/ }))),
    // How long a caller's writes steer their reads to a replica that has them, or to the primary (README,
    // "Read replicas"): a replica lagging further behind than this may show a writer their older state.
    DATABASE_READ_YOUR_WRITES_SECONDS: int(10, 1),
    DATABASE_POOL_SIZE: int(10, 1),
    // Behind PgBouncer in transaction mode: migrations need a session of their own (an advisory lock),
    // and PgBouncer before 1.21 cannot keep prepared statements (README, "Behind PgBouncer").
    DATABASE_MIGRATION_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATABASE_PREPARED_STATEMENTS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    DATA_DIR: z.string().min(1).default('.data'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
    JWT_TTL: z
      .string()
      .regex(/^\d+\s*(s|m|h|d)$/, 'JWT_TTL is a duration such as 15m, 1h or 1d')
      .default('1h'),
    OTP_TTL_SECONDS: int(300, 1),
    OTP_MAX_ATTEMPTS: int(5, 1),
    ...smsProviderEnvSchema.shape,
    ...smsQueueEnvSchema.shape,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Login: a person retrying a typo gets several tries; a script guessing passwords does not.
    RATE_LIMIT_WINDOW_SECONDS: int(900, 1),
    RATE_LIMIT_LOGIN_PER_ACCOUNT: int(10, 1),
    RATE_LIMIT_LOGIN_PER_IP: int(100, 1),
    RATE_LIMIT_OTP_PER_ACCOUNT: int(10, 1),
    RATE_LIMIT_OTP_PER_IP: int(100, 1),
    // Enough to check a few payees a day; not enough to walk the phone book.
    RATE_LIMIT_WALLET_LOOKUP_PER_CALLER: int(60, 1),
    TRUST_PROXY: z.string().default('loopback'),
    // Browser origins allowed to call the API (the legacy web frontend); none by default.
    CORS_ORIGINS: list.pipe(z.array(origin)),
    // Past this a request answers 503 instead of hanging on a database or Redis that went silent.
    REQUEST_TIMEOUT_MS: int(10_000, 100),
  })
  .superRefine(
    (c, ctx) => {
      if (c.NODE_ENV === 'production' && !c.JWT_SECRET) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: 'JWT_SECRET is required when NODE_ENV=production',
        });
      }
      checkSmsProviderEnv(c, ctx);
    },
    { when: () => true },
  );

export type Config = z.infer<typeof configSchema>;

/** From the environment over the working directory's `.env`, when there is one (the environment wins). */
export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  return parseEnvironment(configSchema, env, 'server');
}

/** The database settings every process opens its pool with (the pool's size aside). */
export function databaseSettings(config: Config): Omit<DatabaseConfig, 'maxConnections'> {
  return {
    databaseUrl: config.DATABASE_URL,
    migrationUrl: config.DATABASE_MIGRATION_URL,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    dataDir: config.DATA_DIR,
  };
}

export { ConfigError };
