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

// What postgres.js accepts for target_session_attrs (libpq's `any` is the default there, and unnamed).
const TARGET_SESSION_ATTRS = ['read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

/**
 * Why `text` is no PostgreSQL URL postgres.js can open, if it is not one. It may list several hosts
 * (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write`, as libpq does), which the WHATWG
 * URL parser behind z.url() refuses: each host is checked on its own, the rest with the first host.
 */
function postgresUrlProblem(text: string): string | undefined {
  // Not URL.parse: Node has it from 20.18, and the server runs on 20.11+.
  const parse = (candidate: string) => {
    try {
      return new URL(candidate);
    } catch {
      return undefined;
    }
  };
  const authority = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(text)?.[1];
  if (authority === undefined) return 'a postgres:// or postgresql:// URL';
  const hosts = authority.split(',');
  for (const host of hosts) {
    const parsed = parse(`postgres://${host}`);
    if (!parsed?.hostname) return `a URL whose hosts are host or host:port, not "${host}"`;
  }
  const url = parse(text.replace(authority, hosts[0] ?? ''));
  if (!url) return 'a postgres:// or postgresql:// URL';
  const attrs = url.searchParams.get('target_session_attrs');
  if (attrs !== null && !TARGET_SESSION_ATTRS.includes(attrs))
    return `a URL whose target_session_attrs is one of ${TARGET_SESSION_ATTRS.join(', ')}`;
  return undefined;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A PostgreSQL URL of one host or several (failover: the first of them that takes writes). */
const postgresUrl = z.string().superRefine((text, ctx) => {
  const problem = postgresUrlProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected ${problem}` });
});

/**
 * The server's whole configuration, from the environment, checked once at start. Nothing else reads
 * process.env. Defaults give the embedded mode: PGlite in DATA_DIR, in-memory OTPs and limits, SMS in-process.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000).pipe(z.number().max(65_535)),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_REPLICA_URLS: list.pipe(z.array(z.url({ protocol: /^postgres(ql)?$/ }))),
    // How long a caller's writes steer their reads to a replica that has them, or to the primary (README,
    // "Read replicas"): a replica lagging further behind than this may show a writer their older state.
    DATABASE_READ_YOUR_WRITES_SECONDS: int(10, 1),
    DATABASE_POOL_SIZE: int(10, 1),
    // Behind PgBouncer in transaction mode: migrations need a session of their own (an advisory lock),
    // and PgBouncer before 1.21 cannot keep prepared statements (README, "Behind PgBouncer").
    DATABASE_MIGRATION_URL: postgresUrl.optional(),
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
    // How often each server voids expired holds. A capture refuses an expired hold at once anyway; this
    // only says how soon its funds show as available again.
    HOLD_SWEEP_INTERVAL_MS: int(5_000, 100),
    // The IANA zone whose calendar days and months the limits per period count in (README, "Limits per period").
    LIMITS_TIME_ZONE: z
      .string()
      .default('Africa/Kigali')
      .refine(isTimeZone, 'LIMITS_TIME_ZONE is an IANA time zone such as Africa/Kigali'),
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
