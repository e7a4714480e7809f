/**
 * What we know about the errors Postgres and its drivers raise, in one place: the services ask these
 * questions, and `packages/api/src/errors.ts` only maps the answers to tRPC codes.
 */

/** An error and the causes it wraps (drizzle wraps the driver's error), nearest first, a few deep. */
export function* causeChain(error: unknown): Generator<Error & { code?: unknown }> {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) yield e;
}

const sqlstates = (error: unknown): string[] =>
  [...causeChain(error)].flatMap((e) => (typeof e.code === 'string' ? [e.code] : []));

/** The constraint a unique violation (23505) names, if that is what this error is. */
export function uniqueViolation(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const { constraint, constraint_name } = e as { constraint?: string; constraint_name?: string };
    if (e.code === '23505') return constraint_name ?? constraint ?? '';
  }
  return undefined;
}

/**
 * Postgres refused a value the schemas let through (class 22, data exception: a NUL byte in text, say).
 * That is bad input, so a 400, never a 500.
 */
export function isRefusedValue(error: unknown): boolean {
  return sqlstates(error).some((code) => /^22[0-9A-Z]{3}$/.test(code));
}

/** A lost race a fresh attempt resolves: a deadlock (40P01) or a serialization failure (40001). */
export function isLostRace(error: unknown): boolean {
  return sqlstates(error).some((code) => code === '40P01' || code === '40001');
}

// The driver's and the socket's names for a connection that failed or went away.
const LOST_CONNECTION = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/**
 * The database is down, restarting or out of room, or our connection to it was cut: the client should
 * retry later (503). SQLSTATE class 08 (connection exception), 57P01–57P05 (the backend was terminated,
 * the server is shutting down or starting), class 53 (too many connections, out of memory or disk), and
 * 25006 (read_only_sql_transaction): we only write on the primary, so a write refused as read-only means
 * that the node under our connection stopped being it (a failover or switchover); a retry finds the new one.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return sqlstates(error).some(
    (code) =>
      LOST_CONNECTION.has(code) ||
      /^08/.test(code) ||
      /^57P0[1-5]$/.test(code) ||
      /^53/.test(code) ||
      code === '25006',
  );
}
