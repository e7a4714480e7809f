import { sql } from 'drizzle-orm';
import { boolean, check, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, money } from './columns';
import { customers } from './customers';
import { channelType, currencyCode, transactionStatus, transactionTypeStatus, walletStatus } from './enums';

export const walletTypes = pgTable(
  'wallet_types',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    description: text('description'),
    minimumTransactionAmount: money('minimum_transaction_amount').notNull(),
    maximumTransactionAmount: money('maximum_transaction_amount').notNull(),
    allowNegativeBalance: boolean('allow_negative_balance').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'wallet_types_limits',
      sql`0 < ${t.minimumTransactionAmount} and ${t.minimumTransactionAmount} <= ${t.maximumTransactionAmount}`,
    ),
  ],
);

export const wallets = pgTable(
  'wallets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    walletTypeId: uuid('wallet_type_id')
      .notNull()
      .references(() => walletTypes.id),
    currencyCode: currencyCode('currency_code').notNull(),
    accountNumber: text('account_number').notNull().unique(),
    currentBalance: money('current_balance').notNull().default(0),
    /** What this wallet's PENDING holds reserve; available = current − held (README, "Holds"). */
    heldBalance: money('held_balance').notNull().default(0),
    status: walletStatus('status').notNull().default('ACTIVE'),
    createdAt: createdAt(),
  },
  (t) => [
    check('wallets_held_balance_nonnegative', sql`${t.heldBalance} >= 0`),
    index('wallets_customer_id_idx').on(t.customerId, t.createdAt, t.id),
    index('wallets_created_at_id_idx').on(t.createdAt, t.id),
    // By type: the two FLOAT wallets among a million; and the rare wallets that are not ACTIVE.
    index('wallets_wallet_type_idx').on(t.walletTypeId, t.createdAt, t.id),
    index('wallets_status_idx').on(t.status, t.createdAt, t.id).where(sql`${t.status} <> 'ACTIVE'`),
  ],
);

export const transactionTypes = pgTable(
  'transaction_types',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    description: text('description'),
    minimumAmount: money('minimum_amount').notNull(),
    maximumAmount: money('maximum_amount').notNull(),
    status: transactionTypeStatus('status').notNull().default('ACTIVE'),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'transaction_types_limits',
      sql`0 < ${t.minimumAmount} and ${t.minimumAmount} <= ${t.maximumAmount}`,
    ),
  ],
);

/** Which wallet types a transaction type may debit and credit; no row means neither. */
export const walletTypeRules = pgTable(
  'wallet_type_rules',
  {
    transactionTypeId: uuid('transaction_type_id')
      .notNull()
      .references(() => transactionTypes.id),
    walletTypeId: uuid('wallet_type_id')
      .notNull()
      .references(() => walletTypes.id),
    debitAllowed: boolean('debit_allowed').notNull(),
    creditAllowed: boolean('credit_allowed').notNull(),
  },
  (t) => [primaryKey({ columns: [t.transactionTypeId, t.walletTypeId] })],
);

/**
 * One row per posting, holding both balances after it. Rows are never deleted; only status changes.
 * Partitioned by month on created_at (migration 0004; docs/ARCHITECTURE.md, "Postings by month"), which
 * drizzle cannot say: this is the logical table. A unique index of a partitioned table must hold
 * created_at, so the keys unique across all months live in `posting_keys`.
 * No foreign keys to the wallets or the transaction type, so that an insert checks none row by row (a
 * third of the insert: docs/SCALE.md): every insert runs in the transaction that locked both wallets by id
 * (`lockWalletsInIdOrder`, src/ledger.ts) and read the type, and refuses a missing one. The delete side
 * stays guarded: triggers on `wallets` and `transaction_types` refuse to delete a row a posting names, as
 * the foreign keys did (migration 0009).
 */
export const transactions = pgTable(
  'transactions',
  {
    id: uuid('id').notNull().defaultRandom(),
    referenceNumber: text('reference_number').notNull(),
    externalReferenceNumber: text('external_reference_number').notNull(),
    /** Fingerprint of the request that made this posting: the same key with another payload is a 409. */
    requestHash: text('request_hash').notNull(),
    transactionTypeId: uuid('transaction_type_id').notNull(),
    channelType: channelType('channel_type').notNull(),
    debitedWalletId: uuid('debited_wallet_id').notNull(),
    creditedWalletId: uuid('credited_wallet_id').notNull(),
    amount: money('amount').notNull(),
    currencyCode: currencyCode('currency_code').notNull(),
    debitedWalletBalance: money('debited_wallet_balance').notNull(),
    creditedWalletBalance: money('credited_wallet_balance').notNull(),
    status: transactionStatus('status').notNull().default('COMPLETED'),
    statusMessage: text('status_message'),
    reversalOf: uuid('reversal_of'),
    createdAt: createdAt(),
  },
  (t) => [
    check('transactions_amount_positive', sql`${t.amount} > 0`),
    check('transactions_two_wallets', sql`${t.debitedWalletId} <> ${t.creditedWalletId}`),
    primaryKey({ columns: [t.id, t.createdAt] }),
    // A posting is reversed at most once by its reversal's key, `reversal:<id>`, in posting_keys.
    index('transactions_reversal_of_idx').on(t.reversalOf).where(sql`${t.reversalOf} is not null`),
    index('transactions_created_at_id_idx').on(t.createdAt, t.id),
    index('transactions_debited_wallet_idx').on(t.debitedWalletId, t.createdAt, t.id),
    index('transactions_credited_wallet_idx').on(t.creditedWalletId, t.createdAt, t.id),
    // The admin's filters that no other index serves in list order. By type and by amount cost a
    // write per posting each; by status only the few postings not COMPLETED.
    index('transactions_type_idx').on(t.transactionTypeId, t.createdAt, t.id),
    index('transactions_amount_idx').on(t.amount, t.createdAt, t.id),
    index('transactions_status_idx').on(t.status, t.createdAt, t.id).where(sql`${t.status} <> 'COMPLETED'`),
  ],
);

/**
 * The keys a posting holds across every month of `transactions`: its idempotency key and its generated
 * reference number, each unique, with where the posting lives (id and created_at: a lookup through a key
 * reads one partition). Written in the posting's own statement; a key taken is a row not written.
 */
export const postingKeys = pgTable('posting_keys', {
  externalReferenceNumber: text('external_reference_number').primaryKey(),
  referenceNumber: text('reference_number').notNull().unique('posting_keys_reference_number_key'),
  transactionId: uuid('transaction_id').notNull(),
  createdAt: instant('created_at').notNull(),
});
