import type { CurrencyCode } from '@tekana/contracts';
import { and, count, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Queryable } from './handle';
import { holds, MOVED_MONEY_STATUSES, transactions, transactionTypes, wallets } from './schema';

/** One broken invariant of the ledger (README, "Money model"), naming its offender. */
export type LedgerProblem =
  | { check: 'WALLET_BALANCE'; walletId: string; accountNumber: string; message: string }
  | { check: 'CURRENCY_TOTAL'; currencyCode: CurrencyCode; message: string }
  | { check: 'REVERSAL_LINK'; transactionId: string; message: string }
  | { check: 'REVERSAL_MISSING'; transactionId: string; message: string }
  | { check: 'HELD_BALANCE'; walletId: string; accountNumber: string; message: string }
  | { check: 'HOLD_STATUS'; transactionId: string; message: string }
  | { check: 'POSTING_REFERENCE'; transactionId: string; message: string };

// A ledger that is badly broken would otherwise list millions of rows; the first ones say enough.
const MAX_PROBLEMS_PER_CHECK = 1_000;

/**
 * Checks the ledger's invariants with SQL aggregates (it runs on millions of rows), all in one snapshot
 * so that postings committing meanwhile never show up as half-seen:
 * - per wallet, current_balance = credits − debits over the transactions that moved money (REVERSED ones
 *   too: the reversal is a posting of its own; not PENDING or CANCELLED holds, which moved none);
 * - per wallet, held_balance = the amounts of its PENDING holds, so available = current − pending holds;
 * - a hold and its posting agree: PENDING with PENDING, CAPTURED with a posting of the captured amount
 *   that moved money, VOIDED and EXPIRED with CANCELLED;
 * - per currency, the balances sum to 0;
 * - every reversal mirrors an original that is REVERSED, and every REVERSED original has one reversal;
 * - every posting names wallets and a transaction type that exist (no foreign key says so: migration 0009).
 */
export async function verifyLedger(db: Db): Promise<LedgerProblem[]> {
  return db.transaction(
    async (tx) => [
      ...(await walletBalanceProblems(tx)),
      ...(await currencyTotalProblems(tx)),
      ...(await reversalLinkProblems(tx)),
      ...(await missingReversalProblems(tx)),
      ...(await heldBalanceProblems(tx)),
      ...(await holdStatusProblems(tx)),
      ...(await postingReferenceProblems(tx)),
    ],
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

const MOVED_MONEY = inArray(transactions.status, [...MOVED_MONEY_STATUSES]);

async function walletBalanceProblems(db: Queryable): Promise<LedgerProblem[]> {
  const credits = db
    .select({
      walletId: transactions.creditedWalletId,
      total: sql`sum(${transactions.amount})`.as('credit_total'),
    })
    .from(transactions)
    .where(MOVED_MONEY)
    .groupBy(transactions.creditedWalletId)
    .as('credits');
  const debits = db
    .select({
      walletId: transactions.debitedWalletId,
      total: sql`sum(${transactions.amount})`.as('debit_total'),
    })
    .from(transactions)
    .where(MOVED_MONEY)
    .groupBy(transactions.debitedWalletId)
    .as('debits');
  const ledgerBalance = sql`coalesce(${credits.total}, 0) - coalesce(${debits.total}, 0)`;
  const rows = await db
    .select({
      walletId: wallets.id,
      accountNumber: wallets.accountNumber,
      currentBalance: sql<string>`${wallets.currentBalance}::text`,
      ledgerBalance: sql<string>`(${ledgerBalance})::text`,
    })
    .from(wallets)
    .leftJoin(credits, eq(credits.walletId, wallets.id))
    .leftJoin(debits, eq(debits.walletId, wallets.id))
    .where(sql`${wallets.currentBalance} <> ${ledgerBalance}`)
    .limit(MAX_PROBLEMS_PER_CHECK);
  return rows.map((r) => ({
    check: 'WALLET_BALANCE',
    walletId: r.walletId,
    accountNumber: r.accountNumber,
    message: `Wallet ${r.accountNumber} (${r.walletId}) holds ${r.currentBalance} but its transactions add up to ${r.ledgerBalance}`,
  }));
}

async function currencyTotalProblems(db: Queryable): Promise<LedgerProblem[]> {
  const total = sql`sum(${wallets.currentBalance})`;
  const rows = await db
    .select({ currencyCode: wallets.currencyCode, total: sql<string>`(${total})::text` })
    .from(wallets)
    .groupBy(wallets.currencyCode)
    .having(sql`${total} <> 0`);
  return rows.map((r) => ({
    check: 'CURRENCY_TOTAL',
    currencyCode: r.currencyCode,
    message: `The ${r.currencyCode} balances add up to ${r.total}, not 0`,
  }));
}

/** A reversal must point at a REVERSED original and move the same amount between the same wallets, back. */
async function reversalLinkProblems(db: Queryable): Promise<LedgerProblem[]> {
  const original = alias(transactions, 'original');
  const rows = await db
    .select({ id: transactions.id, reversalOf: transactions.reversalOf, originalId: original.id })
    .from(transactions)
    .leftJoin(original, eq(original.id, transactions.reversalOf))
    .where(
      and(
        isNotNull(transactions.reversalOf),
        or(
          isNull(original.id),
          ne(original.status, 'REVERSED'),
          ne(transactions.status, 'COMPLETED'),
          ne(transactions.debitedWalletId, original.creditedWalletId),
          ne(transactions.creditedWalletId, original.debitedWalletId),
          ne(transactions.amount, original.amount),
        ),
      ),
    )
    .limit(MAX_PROBLEMS_PER_CHECK);
  return rows.map((r) => ({
    check: 'REVERSAL_LINK',
    transactionId: r.id,
    message: r.originalId
      ? `Reversal ${r.id} does not mirror a REVERSED original ${r.reversalOf}`
      : `Reversal ${r.id} points at ${r.reversalOf}, which does not exist`,
  }));
}

async function missingReversalProblems(db: Queryable): Promise<LedgerProblem[]> {
  const reversal = alias(transactions, 'reversal');
  const rows = await db
    .select({ id: transactions.id, reversals: count(reversal.id) })
    .from(transactions)
    .leftJoin(reversal, eq(reversal.reversalOf, transactions.id))
    .where(eq(transactions.status, 'REVERSED'))
    .groupBy(transactions.id)
    .having(ne(count(reversal.id), 1))
    .limit(MAX_PROBLEMS_PER_CHECK);
  return rows.map((r) => ({
    check: 'REVERSAL_MISSING',
    transactionId: r.id,
    message: `Transaction ${r.id} is REVERSED but has ${r.reversals} reversals, not 1`,
  }));
}

async function heldBalanceProblems(db: Queryable): Promise<LedgerProblem[]> {
  const pending = db
    .select({ walletId: holds.debitedWalletId, total: sql`sum(${holds.amount})`.as('held_total') })
    .from(holds)
    .where(eq(holds.status, 'PENDING'))
    .groupBy(holds.debitedWalletId)
    .as('pending');
  const held = sql`coalesce(${pending.total}, 0)`;
  const rows = await db
    .select({
      walletId: wallets.id,
      accountNumber: wallets.accountNumber,
      heldBalance: sql<string>`${wallets.heldBalance}::text`,
      pendingHolds: sql<string>`(${held})::text`,
    })
    .from(wallets)
    .leftJoin(pending, eq(pending.walletId, wallets.id))
    .where(sql`${wallets.heldBalance} <> ${held}`)
    .limit(MAX_PROBLEMS_PER_CHECK);
  return rows.map((r) => ({
    check: 'HELD_BALANCE',
    walletId: r.walletId,
    accountNumber: r.accountNumber,
    message: `Wallet ${r.accountNumber} (${r.walletId}) holds ${r.heldBalance} back but its pending holds add up to ${r.pendingHolds}`,
  }));
}

/** Every hold's posting says how the hold ended, and every PENDING posting is a hold. */
async function holdStatusProblems(db: Queryable): Promise<LedgerProblem[]> {
  const t = transactions;
  const agrees = or(
    and(eq(holds.status, 'PENDING'), eq(t.status, 'PENDING')),
    and(eq(holds.status, 'CAPTURED'), MOVED_MONEY, eq(t.amount, holds.capturedAmount)),
    and(inArray(holds.status, ['VOIDED', 'EXPIRED']), eq(t.status, 'CANCELLED')),
  );
  // Driven from the holds, and from the few PENDING postings (a partial index serves them): never a
  // scan of the ledger.
  const [disagreeing, notHolds] = await Promise.all([
    db
      .select({ id: holds.transactionId, status: t.status, holdStatus: holds.status })
      .from(holds)
      .leftJoin(t, eq(t.id, holds.transactionId))
      .where(or(isNull(t.id), sql`not (${agrees})`))
      .limit(MAX_PROBLEMS_PER_CHECK),
    db
      .select({ id: t.id })
      .from(t)
      .leftJoin(holds, eq(holds.transactionId, t.id))
      .where(and(eq(t.status, 'PENDING'), isNull(holds.transactionId)))
      .limit(MAX_PROBLEMS_PER_CHECK),
  ]);
  return [
    ...disagreeing.map((r) => ({
      check: 'HOLD_STATUS' as const,
      transactionId: r.id,
      message: r.status
        ? `Transaction ${r.id} is ${r.status} but its hold is ${r.holdStatus}`
        : `Hold ${r.id} has no transaction`,
    })),
    ...notHolds.map((r) => ({
      check: 'HOLD_STATUS' as const,
      transactionId: r.id,
      message: `Transaction ${r.id} is PENDING but is no hold`,
    })),
  ];
}

/**
 * A posting whose wallet or transaction type does not exist: the insert checks none by foreign key (the
 * engine's locks do), and a delete trigger guards them since; this finds one that got past both. Its
 * balances count nowhere else: the balance checks start from the wallets. One pass over the postings.
 */
async function postingReferenceProblems(db: Queryable): Promise<LedgerProblem[]> {
  const debited = alias(wallets, 'debited');
  const credited = alias(wallets, 'credited');
  const rows = await db
    .select({
      id: transactions.id,
      debitedWalletId: transactions.debitedWalletId,
      creditedWalletId: transactions.creditedWalletId,
      transactionTypeId: transactions.transactionTypeId,
      debitedFound: sql<boolean>`${debited.id} is not null`,
      creditedFound: sql<boolean>`${credited.id} is not null`,
      typeFound: sql<boolean>`${transactionTypes.id} is not null`,
    })
    .from(transactions)
    .leftJoin(debited, eq(debited.id, transactions.debitedWalletId))
    .leftJoin(credited, eq(credited.id, transactions.creditedWalletId))
    .leftJoin(transactionTypes, eq(transactionTypes.id, transactions.transactionTypeId))
    .where(or(isNull(debited.id), isNull(credited.id), isNull(transactionTypes.id)))
    .limit(MAX_PROBLEMS_PER_CHECK);
  return rows.map((r) => {
    const missing = [
      r.debitedFound ? [] : [`debited wallet ${r.debitedWalletId}`],
      r.creditedFound ? [] : [`credited wallet ${r.creditedWalletId}`],
      r.typeFound ? [] : [`transaction type ${r.transactionTypeId}`],
    ].flat();
    return {
      check: 'POSTING_REFERENCE',
      transactionId: r.id,
      message: `Transaction ${r.id} names ${missing.join(' and ')}, which ${missing.length > 1 ? 'do' : 'does'} not exist`,
    };
  });
}
