import type { RunSql } from './handle';

/**
 * Months made ahead of the current one. The server makes them at start and then daily, so posting stops
 * only if no server has started or lived through a day for this long (there is no DEFAULT partition to
 * catch a posting of a month with none: docs/ARCHITECTURE.md, "Postings by month", says why).
 */
export const PARTITION_MONTHS_AHEAD = 3;

// transactions_make_partitions is migration 0004's: the migration needs it (for the months the old rows
// span) before any TypeScript runs, so it has one home, in the database.
const MAKE_PARTITIONS = `
  select transactions_make_partitions(since, since + make_interval(months => $2::int)) as made
  from (select coalesce($1::timestamptz, now()) as since) as start`;

/**
 * Makes the monthly partitions of `transactions` from the month of `from` (default the database's clock,
 * which stamps the postings) to
 * `monthsAhead` months after it, those that do not exist yet; answers how many it made. Idempotent, and
 * safe from several servers at once (an advisory lock inside makes them one after the other).
 */
export async function makeTransactionPartitions(
  run: RunSql,
  options: { from?: Date; monthsAhead?: number } = {},
): Promise<number> {
  const [row] = await run(MAKE_PARTITIONS, [
    options.from?.toISOString() ?? null,
    options.monthsAhead ?? PARTITION_MONTHS_AHEAD,
  ]);
  return Number(row?.made ?? 0);
}

/** The same, in a transaction of its own (the advisory lock is held until it commits). */
export function makePartitionsAhead(
  // Structural, not Database: client.ts imports this file to make the months at migrate.
  database: { transact<T>(work: (run: RunSql) => Promise<T>): Promise<T> },
  options?: { from?: Date; monthsAhead?: number },
): Promise<number> {
  return database.transact((run) => makeTransactionPartitions(run, options));
}

const PARTITIONS = `
  select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
  where i.inhparent = 'transactions'::regclass order by c.relname`;

/** The names of the partitions of `transactions` (transactions_pYYYY_MM), oldest first. */
export async function listTransactionPartitions(run: RunSql): Promise<string[]> {
  return (await run(PARTITIONS)).map((r) => r.name as string);
}
