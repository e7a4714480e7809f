import { type SQL, sql } from 'drizzle-orm';
import type { Db, SqlRow } from './handle';
import { MOVED_MONEY_STATUSES } from './schema';
import { sqlDate, sqlMoney } from './sql-values';

/** A wallet's statement for a period, both ends inclusive. */
export type StatementPeriod = { walletId: string; from: Date; to: Date };
/** Where a page starts: after this line (the keyset of the previous page's last). */
export type StatementAfter = { createdAt: Date; id: string };

/** A posting as a statement line: what it took from the wallet or gave it. Its balance is the service's sum. */
export type StatementLineRow = {
  id: string;
  referenceNumber: string;
  createdAt: Date;
  description: string;
  debit: number;
  credit: number;
};

/** A page of the statement and every figure it needs, all from one snapshot. */
export type StatementPageRows = {
  openingBalance: number;
  totalDebits: number;
  totalCredits: number;
  /** The balance before the page's first line: the opening balance, or after the line the cursor names. */
  balanceBefore: number;
  lines: StatementLineRow[];
};

const MOVED_MONEY = sql.raw(`status in (${MOVED_MONEY_STATUSES.map((s) => `'${s}'`).join(', ')})`);

/** One side of the wallet's postings, as the index on (that side's wallet, created_at, id) serves them. */
type Side = { wallet: SQL; debit: SQL; credit: SQL };
const DEBITS: Side = {
  wallet: sql.raw('debited_wallet_id'),
  debit: sql.raw('amount'),
  credit: sql.raw('0::bigint'),
};
const CREDITS: Side = {
  wallet: sql.raw('credited_wallet_id'),
  debit: sql.raw('0::bigint'),
  credit: sql.raw('amount'),
};

const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;
const afterLine = (after: StatementAfter | undefined) =>
  after ? sql`(created_at, id) > (${at(after.createdAt)}, ${after.id}::uuid)` : sql`true`;

/** postgres.js answers a row list, PGlite an object holding `rows`. */
function rowsOf(result: unknown): SqlRow[] {
  return Array.isArray(result) ? (result as SqlRow[]) : ((result as { rows: SqlRow[] }).rows ?? []);
}

type Page = { after: StatementAfter | undefined; limit: number };

/**
 * The period's lines after `page.after`, oldest first: the wallet's debits and its credits, each read in
 * order from its own index and cut at the page's end, then merged (an OR of the two sides no index serves
 * in order). `description` is the posting's statusMessage, else its transaction type's name.
 */
function linesQuery(period: StatementPeriod, page: Page): SQL {
  const branch = (side: Side) => sql`(select id, reference_number, created_at, status_message,
      transaction_type_id, ${side.debit} as debit, ${side.credit} as credit
    from transactions
    where ${side.wallet} = ${period.walletId}::uuid and created_at >= ${at(period.from)}
      and created_at <= ${at(period.to)} and ${MOVED_MONEY} and ${afterLine(page.after)}
    order by created_at, id limit ${page.limit})`;
  return sql`select l.id, l.reference_number as "referenceNumber", l.created_at as "createdAt",
      coalesce(l.status_message, tt.name) as description, l.debit, l.credit
    from (${branch(DEBITS)} union all ${branch(CREDITS)}) l
    join transaction_types tt on tt.id = l.transaction_type_id
    order by l.created_at, l.id
    limit ${page.limit}`;
}

const toLineRow = (r: SqlRow): StatementLineRow => ({
  id: r.id as string,
  referenceNumber: r.referenceNumber as string,
  createdAt: sqlDate(r.createdAt),
  description: r.description as string,
  debit: sqlMoney(r.debit),
  credit: sqlMoney(r.credit),
});

/** The period's lines after `page.after`, oldest first, without the figures (the CSV's later pages). */
export async function statementLines(
  db: Db,
  period: StatementPeriod,
  page: Page,
): Promise<StatementLineRow[]> {
  return rowsOf(await db.execute(linesQuery(period, page))).map(toLineRow);
}

/**
 * A page of lines with the opening balance, the period's totals and the balance before the page, in one
 * statement (one snapshot), from sums of the postings that moved money, never from the balances stored on
 * their rows (a captured hold's row is dated when the hold was placed but holds the balances after its
 * capture). The wallet's balance is what every posting that moved money made it, so what it was before
 * a point in (created_at, id) is its balance now less the net of the postings after that point: one
 * index range scan per side from `from` on serves the opening balance, the totals (up to `to`) and the
 * balance at the cursor alike, whatever the page.
 */
export async function statementPage(db: Db, period: StatementPeriod, page: Page): Promise<StatementPageRows> {
  const sums = (side: Side) => sql`(select coalesce(sum(amount), 0) as since_from,
      coalesce(sum(amount) filter (where created_at <= ${at(period.to)}), 0) as in_period,
      coalesce(sum(amount) filter (where ${afterLine(page.after)}), 0) as after_cursor
    from transactions
    where ${side.wallet} = ${period.walletId}::uuid and created_at >= ${at(period.from)} and ${MOVED_MONEY})`;
  const result = await db.execute(sql`select
      w.current_balance - c.since_from + d.since_from as "openingBalance",
      d.in_period as "totalDebits", c.in_period as "totalCredits",
      w.current_balance - c.after_cursor + d.after_cursor as "balanceBefore",
      l.*
    from wallets w
    cross join ${sums(DEBITS)} d
    cross join ${sums(CREDITS)} c
    left join (${linesQuery(period, page)}) l on true
    where w.id = ${period.walletId}::uuid
    order by l."createdAt", l.id`);
  const rows = rowsOf(result);
  const [first] = rows;
  if (!first) throw new Error('statementPage: no such wallet');
  return {
    openingBalance: sqlMoney(first.openingBalance),
    totalDebits: sqlMoney(first.totalDebits),
    totalCredits: sqlMoney(first.totalCredits),
    balanceBefore: sqlMoney(first.balanceBefore),
    // With no line, the one row the left join keeps carries the figures alone.
    lines: rows.filter((r) => r.id !== null).map(toLineRow),
  };
}
