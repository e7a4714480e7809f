import type { CurrencyCode } from '@tekana/contracts';
import { and, count, eq, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db, Queryable } from './handle';
import { transactions, wallets } from './schema';

/** One broken invariant of the ledger (README, "Money model"), naming its offender. */
export type LedgerProblem =
  | { check: 'WALLET_BALANCE'; walletId: string; accountNumber: string; message: string }
  | { check: 'CURRENCY_TOTAL'; currencyCode: CurrencyCode; message: string }
  | { check: 'REVERSAL_LINK'; transactionId: string; message: string }
  | { check: 'REVERSAL_MISSING'; transactionId: string; message: string };

// A ledger that is badly broken would otherwise list millions of rows; the first ones say enough.
const MAX_PROBLEMS_PER_CHECK = 1_000;

/**
 * Checks the ledger's invariants with SQL aggregates (it runs on millions of rows), all in one snapshot
 * so that postings committing meanwhile never show up as half-seen:
 * - per wallet, current_balance = credits − debits over all its transactions (REVERSED ones too: the
 *   reversal is a posting of its own);
 * - per currency, the balances sum to 0;
 * - every reversal mirrors an original that is REVERSED, and every REVERSED original has one reversal.
 */
export async function verifyLedger(db: Db): Promise<LedgerProblem[]> {
  return db.transaction(
    async (tx) => [
      ...(await walletBalanceProblems(tx)),
      ...(await currencyTotalProblems(tx)),
      ...(await reversalLinkProblems(tx)),
      ...(await missingReversalProblems(tx)),
    ],
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function walletBalanceProblems(db: Queryable): Promise<LedgerProblem[]> {
  const credits = db
    .select({
      walletId: transactions.creditedWalletId,
      total: sql`sum(${transactions.amount})`.as('credit_total'),
    })
    .from(transactions)
    .groupBy(transactions.creditedWalletId)
    .as('credits');
  const debits = db
    .select({
      walletId: transactions.debitedWalletId,
      total: sql`sum(${transactions.amount})`.as('debit_total'),
    })
    .from(transactions)
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
