import type { HoldStatus } from '@tekana/contracts';
import type { RunSql, SqlRow } from './handle';
import { TRANSACTION_COLUMNS, type TransactionRow, toTransactionRow } from './ledger';
import { pgArray, sqlDate, sqlMoney } from './sql-values';

/**
 * The holds' SQL (README, "Holds"): a hold is a PENDING posting in `transactions`, a row in `holds`, and
 * its amount in the debited wallet's `held_balance` until it is captured, voided or expired. Every
 * statement here runs under the locks of the wallets it changes, taken first, in id order.
 */

/** A hold as the engine places it; the database gives its times. */
export type NewHold = {
  transactionId: string;
  debitedWalletId: string;
  creditedWalletId: string;
  amount: number;
  createdBy: string;
  expiresInSeconds: number;
};

export type HoldRow = {
  transactionId: string;
  debitedWalletId: string;
  creditedWalletId: string;
  amount: number;
  createdBy: string;
  status: HoldStatus;
  capturedAmount: number | null;
  expiresAt: Date;
  /** Whether its time had passed when this transaction started (by the database's clock). */
  expired: boolean;
};

// The expiry counts from the start of the posting's transaction by the database's clock (`now()`), so that
// every server agrees on it. The posting's created_at is the ledger's clock: the same time in production,
// a time of the test's choosing in a test that sets that clock.
const INSERT_HOLDS = `
  with h as (
    select * from json_to_recordset($1::text::json) as h("transactionId" uuid, "debitedWalletId" uuid,
      "creditedWalletId" uuid, amount bigint, "createdBy" uuid, "expiresInSeconds" integer)
  ), inserted as (
    insert into holds (transaction_id, debited_wallet_id, credited_wallet_id, amount, created_by, expires_at)
    select "transactionId", "debitedWalletId", "creditedWalletId", amount, "createdBy",
           now() + make_interval(secs => "expiresInSeconds")
    from h
    returning debited_wallet_id, amount
  ), reserved as (
    update wallets w set held_balance = w.held_balance + s.held
    from (select debited_wallet_id as id, sum(amount) as held from inserted group by 1) s
    where w.id = any($2::uuid[]) and w.id = s.id
    returning w.id, w.held_balance
  )
  select ledger_check(count(*) = $4 and coalesce(bool_and(r.held_balance = e.held), true),
                      'posting engine: a held balance drifted from its plan')
  from reserved r
  left join unnest($2::uuid[], $3::bigint[]) as e(id, held) on e.id = r.id`;

/**
 * Records the holds and adds their amounts to their wallets' held balances, in one statement that fails
 * unless each of those wallets ends with the held balance `heldAfter` gives it (the batch's plan).
 */
export async function insertHolds(
  run: RunSql,
  holds: NewHold[],
  heldAfter: Map<string, number>,
): Promise<void> {
  if (holds.length === 0) return;
  // The wallets by `= any` of an array, as the batch's balances are (ledger.ts): by primary key.
  const ids = [...heldAfter.keys()];
  const held = [...heldAfter.values()].map(String);
  await run(INSERT_HOLDS, [JSON.stringify(holds), pgArray(ids), pgArray(held), heldAfter.size]);
}

const HOLD_COLUMNS = `h.transaction_id as "transactionId", h.debited_wallet_id as "debitedWalletId",
  h.credited_wallet_id as "creditedWalletId", h.amount, h.created_by as "createdBy", h.status,
  h.captured_amount as "capturedAmount", h.expires_at as "expiresAt", h.expires_at <= now() as expired`;

function toHoldRow(r: SqlRow): HoldRow {
  return {
    transactionId: r.transactionId as string,
    debitedWalletId: r.debitedWalletId as string,
    creditedWalletId: r.creditedWalletId as string,
    amount: sqlMoney(r.amount),
    createdBy: r.createdBy as string,
    status: r.status as HoldStatus,
    capturedAmount: r.capturedAmount === null ? null : sqlMoney(r.capturedAmount),
    expiresAt: sqlDate(r.expiresAt),
    expired: r.expired as boolean,
  };
}

/** A posting named by a capture or a void: who owns its wallets (who may see it), and its hold, if it is one. */
export type HoldLookup = {
  debitedCustomerId: string;
  creditedCustomerId: string;
  hold: HoldRow | undefined;
};

const HOLD_BY_TRANSACTION = `
  select dw.customer_id as "debitedCustomerId", cw.customer_id as "creditedCustomerId",
         h.transaction_id is not null as "isHold", ${HOLD_COLUMNS}
  from transactions t
  join wallets dw on dw.id = t.debited_wallet_id
  join wallets cw on cw.id = t.credited_wallet_id
  left join holds h on h.transaction_id = t.id
  where t.id = $1`;

/** The posting's owners and its hold, without locking (a hold's wallets never change). */
export async function findHold(run: RunSql, transactionId: string): Promise<HoldLookup | undefined> {
  const [r] = await run(HOLD_BY_TRANSACTION, [transactionId]);
  if (!r) return undefined;
  return {
    debitedCustomerId: r.debitedCustomerId as string,
    creditedCustomerId: r.creditedCustomerId as string,
    hold: r.isHold ? toHoldRow(r) : undefined,
  };
}

// Taken after the wallets' locks, as a reversal takes its original's row: the one lock order of the ledger.
const LOCK_HOLDS = `select ${HOLD_COLUMNS} from holds h where h.transaction_id = any($1::uuid[])
  order by h.transaction_id for update`;

/** Locks the holds (after their wallets) and reads them as they stand now. */
export async function lockHolds(run: RunSql, transactionIds: string[]): Promise<HoldRow[]> {
  return (await run(LOCK_HOLDS, [pgArray(transactionIds)])).map(toHoldRow);
}

const DUE_HOLDS = `select h.transaction_id as "transactionId", h.debited_wallet_id as "debitedWalletId"
  from holds h where h.status = 'PENDING' and h.expires_at <= now() order by h.expires_at limit $1`;

/** Pending holds past their time, oldest first, unlocked: the sweeper locks their wallets, then them. */
export async function findDueHolds(
  run: RunSql,
  limit: number,
): Promise<{ transactionId: string; debitedWalletId: string }[]> {
  const rows = await run(DUE_HOLDS, [limit]);
  return rows.map((r) => ({
    transactionId: r.transactionId as string,
    debitedWalletId: r.debitedWalletId as string,
  }));
}

/** How a pending hold ends: captured (for `capturedAmount`), voided or expired. */
export type HoldSettlement = {
  transactionId: string;
  status: Exclude<HoldStatus, 'PENDING'>;
  capturedAmount: number | null;
};

// Only pending holds change, and each releases its whole amount from its wallet's held balance (a
// partial capture moves the captured part in `current_balance` besides). Holds and wallets are matched by
// `= any` of an array, as the batch's balances are (ledger.ts, APPLY_PLANNED_BALANCES): by primary key.
const SETTLE_HOLDS = `
  with s as (
    select * from json_to_recordset($1::text::json)
      as s("transactionId" uuid, status hold_status, "capturedAmount" bigint)
  ), settled as (
    update holds h set status = s.status, captured_amount = s."capturedAmount", settled_at = now()
    from s
    where h.transaction_id = any(array(select "transactionId" from s)) and h.transaction_id = s."transactionId"
      and h.status = 'PENDING'
    returning h.debited_wallet_id, h.amount
  )
  update wallets w set held_balance = w.held_balance - r.released
  from (select debited_wallet_id as id, sum(amount) as released from settled group by 1) r
  where w.id = any(array(select debited_wallet_id from settled)) and w.id = r.id`;

/** Ends pending holds and releases their amounts from their wallets' held balances. */
export async function settleHolds(run: RunSql, settlements: HoldSettlement[]): Promise<void> {
  if (settlements.length > 0) await run(SETTLE_HOLDS, [JSON.stringify(settlements)]);
}

const CANCEL_HOLD_POSTINGS = `
  update transactions t set status = 'CANCELLED', status_message = c."statusMessage"
  from json_to_recordset($1::text::json) as c("transactionId" uuid, "statusMessage" text)
  where t.id = c."transactionId" and t.status = 'PENDING'
  returning ${TRANSACTION_COLUMNS}`;

/** Marks voided or expired holds' postings CANCELLED, with why; they moved no money and never will. */
export async function cancelHoldPostings(
  run: RunSql,
  postings: { transactionId: string; statusMessage: string }[],
): Promise<TransactionRow[]> {
  if (postings.length === 0) return [];
  return (await run(CANCEL_HOLD_POSTINGS, [JSON.stringify(postings)])).map(toTransactionRow);
}

// The row of a posting that moved no money yet may change (README, "Holds"): the captured amount, and
// the balances after the capture, which is when the money moved.
const COMPLETE_HOLD_POSTING = `
  update transactions t set status = 'COMPLETED', amount = $2, debited_wallet_balance = $3,
    credited_wallet_balance = $4
  where t.id = $1 and t.status = 'PENDING'
  returning ${TRANSACTION_COLUMNS}`;

/** Completes a captured hold's posting for the captured amount, with both balances after the capture. */
export async function completeHoldPosting(
  run: RunSql,
  capture: { id: string; amount: number; debitedWalletBalance: number; creditedWalletBalance: number },
): Promise<TransactionRow> {
  const [row] = await run(COMPLETE_HOLD_POSTING, [
    capture.id,
    capture.amount,
    capture.debitedWalletBalance,
    capture.creditedWalletBalance,
  ]);
  if (!row) throw new Error('completeHoldPosting: the posting is no pending hold');
  return toTransactionRow(row);
}
