import { smsQueueEnvSchema } from '@tekana/sms';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** The cases over HTTP and in process; pgbench and bare express always run, since every ratio needs them. */
const BENCH_CASES = ['random', 'hot', 'bulk', 'engine'] as const;

/** The bench's settings, from the environment, checked once: nothing else in the bench reads process.env. */
export const benchConfigSchema = z.object({
  DATABASE_URL: z.url({
    protocol: /^postgres(ql)?$/,
    error: (issue) =>
      issue.input === undefined
        ? 'DATABASE_URL is required: the bench runs against PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/bench'
        : 'DATABASE_URL must be a postgres:// URL',
  }),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  BENCH_DURATION_SECONDS: positiveInt(30),
  // Load before each case over HTTP, not counted: the first seconds of a fresh process run cold code.
  BENCH_WARMUP_SECONDS: z.coerce.number().int().min(0).default(5),
  BENCH_CONNECTIONS: positiveInt(64).pipe(z.number().max(1_000)),
  BENCH_WALLETS: positiveInt(10_000).pipe(z.number().min(2)),
  // A comma-separated subset, for an A/B run of the cases a change touches: `random,bulk`.
  BENCH_CASES: z
    .string()
    .default(BENCH_CASES.join(','))
    .transform((list) => [...new Set(list.split(',').map((c) => c.trim()))])
    .pipe(z.array(z.enum(BENCH_CASES, { error: `each case one of ${BENCH_CASES.join(', ')}` })).min(1)),
  // The queue the bench's servers fill, and the one the in-process engine case's notices are relayed to.
  ...smsQueueEnvSchema.shape,
});

export type BenchConfig = z.infer<typeof benchConfigSchema>;

/** `pnpm bench:reads`' settings: the database `pnpm seed:scale` filled, and how long and hard to read it. */
export const readsConfigSchema = benchConfigSchema.pick({ DATABASE_URL: true }).extend({
  BENCH_READS_SECONDS: z.coerce.number().positive().default(10),
  BENCH_READS_CONCURRENCY: positiveInt(16),
  BENCH_READS_CURSOR_STEPS: positiveInt(1_000),
});

export type ReadsConfig = z.infer<typeof readsConfigSchema>;

/** The config, or the reasons it is not one (one line each). */
export function loadBenchConfig(
  env: Record<string, string | undefined> = process.env,
): BenchConfig | { problems: string[] } {
  return parseEnv(benchConfigSchema, env);
}

/** `pnpm bench:reads`' config, or the reasons it is not one (one line each). */
export function loadReadsConfig(
  env: Record<string, string | undefined> = process.env,
): ReadsConfig | { problems: string[] } {
  return parseEnv(readsConfigSchema, env);
}

/** Unset and empty variables alike take their defaults. */
function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> | { problems: string[] } {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  return { problems: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
}
