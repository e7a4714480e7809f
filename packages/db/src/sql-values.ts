/** Values to and from plain SQL, the same for both drivers (postgres.js gives bigint and timestamps as text). */

/** A Postgres array literal for a `$n::uuid[]` or `$n::text[]` parameter: one parameter, whatever the length. */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** A bigint column as a JS number; money never leaves the safe-integer range (the posting checks see to it). */
export function sqlMoney(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`sqlMoney: ${String(value)} is not a safe integer`);
  return n;
}

export function sqlDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(value as string);
}
