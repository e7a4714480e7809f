import type { z } from 'zod';

/** A configuration a process refuses to start with; its message lists every bad key, one a line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses a process's environment with its one config schema. An empty variable means "not set", so
 * `SMS_GATEWAY_URL=` falls back to its default instead of failing as a bad URL.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what: string,
): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`Invalid ${what} configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
