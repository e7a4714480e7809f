/** The constraint a Postgres unique violation (23505) names, if that is what this error is. */
export function uniqueViolation(error: unknown): string | undefined {
  for (
    let e: unknown = error, depth = 0;
    e && typeof e === 'object' && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const { code, constraint, constraint_name } = e as {
      code?: string;
      constraint?: string;
      constraint_name?: string;
    };
    if (code === '23505') return constraint_name ?? constraint ?? '';
  }
  return undefined;
}
