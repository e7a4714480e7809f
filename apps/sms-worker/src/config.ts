import { ConfigError, parseEnvironment, smsQueueEnvSchema } from '@tekana/contracts';
import { checkSmsProviderEnv, smsProviderEnvSchema } from '@tekana/contracts/sms-providers';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/**
 * The worker's whole configuration, from the environment, checked once at start. Nothing else reads
 * process.env. The worker only exists in production mode, so Redis is required (README, "Production").
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    REDIS_URL: z.url({
      protocol: /^rediss?$/,
      error: (issue) =>
        issue.input === undefined
          ? 'REDIS_URL is required: the SMS worker takes its jobs from Redis'
          : 'REDIS_URL must be a redis:// or rediss:// URL',
    }),
    // Must match the server's REDIS_PREFIX, or the worker listens to a queue nobody fills.
    REDIS_PREFIX: z.string().default('tekana:'),
    ...smsQueueEnvSchema.shape,
    SMS_CONCURRENCY: positiveInt(5),
    // The gateway's contracted send rate; shared by every worker on the queue.
    SMS_RATE_PER_SECOND: positiveInt(20),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ...smsProviderEnvSchema.shape,
  })
  .superRefine(checkSmsProviderEnv, {
    // Run even when other keys failed, so that one start lists every bad key at once.
    when: () => true,
  });

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  return parseEnvironment(configSchema, env, 'SMS worker');
}

export { ConfigError };
