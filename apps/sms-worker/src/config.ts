import { smsProviderEnvSchema } from '@tekana/contracts/sms-providers';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/**
 * The worker's whole configuration, from the environment, checked once at start. Nothing else reads
 * process.env. The worker only exists in production mode, so Redis is required (DESIGN.md, Runtime modes).
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
    SMS_QUEUE_NAME: z.string().min(1).default('sms'),
    SMS_CONCURRENCY: positiveInt(5),
    // The gateway's contracted send rate; shared by every worker on the queue.
    SMS_RATE_PER_SECOND: positiveInt(20),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ...smsProviderEnvSchema.shape,
  })
  .superRefine(checkProviderRules, {
    // Run even when other keys failed, so that one start lists every bad key at once.
    when: () => true,
  });

function checkProviderRules(
  c: { NODE_ENV?: string; SMS_PROVIDER?: string; SMS_GATEWAY_URL?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (c.NODE_ENV === 'production' && c.SMS_PROVIDER === 'log') {
    ctx.addIssue({
      code: 'custom',
      path: ['SMS_PROVIDER'],
      message: 'SMS_PROVIDER=log would print OTPs; use http in production',
    });
  }
  if (c.SMS_PROVIDER === 'http' && !c.SMS_GATEWAY_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['SMS_GATEWAY_URL'],
      message: 'SMS_GATEWAY_URL is required when SMS_PROVIDER=http',
    });
  }
}

export type Config = z.infer<typeof configSchema>;

/** A configuration the worker refuses to start with; its message lists every bad key, one a line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", so `SMS_GATEWAY_URL=` falls back instead of failing as a bad URL.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`Invalid SMS worker configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
