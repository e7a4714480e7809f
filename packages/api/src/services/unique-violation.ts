import { causeChain } from '../errors';

/** The constraint a Postgres unique violation (23505) names, if that is what this error is. */
export function uniqueViolation(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const { constraint, constraint_name } = e as { constraint?: string; constraint_name?: string };
    if (e.code === '23505') return constraint_name ?? constraint ?? '';
  }
  return undefined;
}
