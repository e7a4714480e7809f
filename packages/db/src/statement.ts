import { type SQL, sql } from 'drizzle-orm';
import type { Db, SqlRow } from './handle';
import { sqlDate, sqlMoney } from './sql-values';

/** A wallet's statement for a period, both ends inclusive. */
export type StatementPeriod = { walletId: string; from: Date; to: Date };
/** Where a page starts: after this line (the keyset of the previous page's last). */
export type StatementAfter = { createdAt: Date; id: string };

export type StatementLineRow = {
  id: string;
  referenceNumber: string;
  createdAt: Date;
  description: string;
  debit: number;
  credit: number;
  balance: number;
};

export type StatementSummaryRow = { openingBalance: number; totalDebits: number; totalCredits: number };

// Postings that moved money: a REVERSED original did (its reversal, a posting of its own, moved it back).
const MOVED_MONEY = sql.raw(`status in ('COMPLETED', 'REVERSED')`);

/** One side of the wallet's postings, as the index on (that side's wallet, created_at, id) serves them. */
type Side = { wallet: SQL; balance: SQL; debit: SQL; credit: SQL; change: SQL };
const DEBITS: Side = {
  wallet: sql.raw('debited_wallet_id'),
  balance: sql.raw('debited_wallet_balance'),
  debit: sql.raw('amount'),
  credit: sql.raw('0::bigint'),
  change: sql.raw('-amount'),
};
const CREDITS: Side = {
  wallet: sql.raw('credited_wallet_id'),
  balance: sql.raw('credited_wallet_balance'),
  debit: sql.raw('0::bigint'),
  credit: sql.raw('amount'),
  change: sql.raw('amount'),
};

const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;
const inPeriod = (side: Side, p: StatementPeriod) =>
  sql`${side.wallet} = ${p.walletId}::uuid and created_at >= ${at(p.from)} and created_at <= ${at(p.to)} and ${MOVED_MONEY}`;

/** postgres.js answers a row list, PGlite an object holding `rows`. */
function rowsOf(result: unknown): SqlRow[] {
  return Array.isArray(result) ? (result as SqlRow[]) : ((result as { rows: SqlRow[] }).rows ?? []);
}

/**
 * A page of the period's lines, oldest first: the wallet's debits and its credits, each read in order
 * from its own index and cut at the page's end, then merged (an OR of the two sides no index serves in
 * order). `description` is the posting's statusMessage, else its transaction type's name.
 */
export async function statementLines(
  db: Db,
  period: StatementPeriod,
  page: { after: StatementAfter | undefined; limit: number },
): Promise<StatementLineRow[]> {
  const after = page.after
    ? sql` and (created_at, id) > (${at(page.after.createdAt)}, ${page.after.id}::uuid)`
    : sql``;
  const branch = (side: Side) => sql`(select id, reference_number, created_at, status_message,
      transaction_type_id, ${side.debit} as debit, ${side.credit} as credit, ${side.balance} as balance
    from transactions where ${inPeriod(side, period)}${after}
    order by created_at, id limit ${page.limit})`;
  const result = await db.execute(sql`select l.id, l.reference_number as "referenceNumber",
      l.created_at as "createdAt", coalesce(l.status_message, tt.name) as description,
      l.debit, l.credit, l.balance
    from (${branch(DEBITS)} union all ${branch(CREDITS)}) l
    join transaction_types tt on tt.id = l.transaction_type_id
    order by l.created_at, l.id
    limit ${page.limit}`);
  return rowsOf(result).map((r) => ({
    id: r.id as string,
    referenceNumber: r.referenceNumber as string,
    createdAt: sqlDate(r.createdAt),
    description: r.description as string,
    debit: sqlMoney(r.debit),
    credit: sqlMoney(r.credit),
    balance: sqlMoney(r.balance),
  }));
}

/**
 * The period's opening balance and totals, in one statement of index range scans, whatever its length.
 *
 * The opening balance is the balance after the wallet's last posting before `from`. Postings committed in
 * one batch share their created_at and are ordered among themselves by nothing stored, so "the last" is
 * found as the one balance of that instant's postings that no other of them started from: their balances
 * after, less their balances before (after − change), as multisets (EXCEPT ALL).
 */
export async function statementSummary(db: Db, period: StatementPeriod): Promise<StatementSummaryRow> {
  const before = (side: Side) =>
    sql`(select max(created_at) from transactions
      where ${side.wallet} = ${period.walletId}::uuid and created_at < ${at(period.from)} and ${MOVED_MONEY})`;
  const legsAt = (side: Side) => sql`select ${side.balance} as after, ${side.change} as change
    from transactions
    where ${side.wallet} = ${period.walletId}::uuid and created_at = (select at from last_at) and ${MOVED_MONEY}`;
  const total = (side: Side) =>
    sql`(select coalesce(sum(amount), 0) from transactions where ${inPeriod(side, period)})`;
  const result = await db.execute(sql`with last_at as (
      select greatest(${before(DEBITS)}, ${before(CREDITS)}) as at
    ), last_legs as (${legsAt(DEBITS)} union all ${legsAt(CREDITS)})
    select
      coalesce((select after from (select after from last_legs except all
        select after - change from last_legs) closing limit 1), 0) as "openingBalance",
      ${total(DEBITS)} as "totalDebits",
      ${total(CREDITS)} as "totalCredits"`);
  const [row] = rowsOf(result);
  if (!row) throw new Error('statementSummary: no row');
  return {
    openingBalance: sqlMoney(row.openingBalance),
    totalDebits: sqlMoney(row.totalDebits),
    totalCredits: sqlMoney(row.totalCredits),
  };
}
