import { sql } from 'drizzle-orm';
import { check, index, pgTable, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, money } from './columns';
import { customers } from './customers';
import { holdStatus } from './enums';
import { wallets } from './ledger';

/**
 * One row per hold, beside its posting in `transactions` (PENDING until captured, voided or expired):
 * what was held, by whom, until when, and how it ended. No foreign key to `transactions`: a batch inserts
 * its holds in the same round trip as its postings, before it knows whether a posting's key was taken
 * (then the whole batch is retried), and `transactions` is to be partitioned by month.
 */
export const holds = pgTable(
  'holds',
  {
    transactionId: uuid('transaction_id').primaryKey(),
    debitedWalletId: uuid('debited_wallet_id')
      .notNull()
      .references(() => wallets.id),
    creditedWalletId: uuid('credited_wallet_id')
      .notNull()
      .references(() => wallets.id),
    /** The amount held; a capture may take less (`capturedAmount`) and releases the rest. */
    amount: money('amount').notNull(),
    /** Who placed it: they (or an admin) may capture or void it. */
    createdBy: uuid('created_by')
      .notNull()
      .references(() => customers.id),
    expiresAt: instant('expires_at').notNull(),
    status: holdStatus('status').notNull().default('PENDING'),
    capturedAmount: money('captured_amount'),
    settledAt: instant('settled_at'),
    createdAt: createdAt(),
  },
  (t) => [
    check('holds_amount_positive', sql`${t.amount} > 0`),
    check(
      'holds_captured_amount',
      sql`(${t.status} = 'CAPTURED') = (${t.capturedAmount} is not null) and ${t.capturedAmount} between 1 and ${t.amount}`,
    ),
    // The sweeper's question: which pending holds are past their time, oldest first.
    index('holds_pending_expiry_idx').on(t.expiresAt).where(sql`${t.status} = 'PENDING'`),
  ],
);
