import { ConfigError, parseEnvironment, smsQueueEnvSchema } from '@tekana/contracts';
import { checkSmsProviderEnv, smsProviderEnvSchema } from '@tekana/contracts/sms-providers';
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
    DATABASE_POOL_SIZE: int(10, 1),
    DATA_DIR: z.string().min(1).default('.data'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    REDIS_PREFIX: z.string().default('tekana:'),
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
    TRUST_PROXY: z.string().default('loopback'),
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

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnvironment(configSchema, env, 'server');
}

export { ConfigError };
