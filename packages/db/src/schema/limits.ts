import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant, money } from './columns';
import { limitPeriod } from './enums';
import { transactionTypes, walletTypes } from './ledger';

/**
 * What a wallet of a type may send per period (README, "Limits per period"). One per (wallet type,
 * transaction type or none, period): a null transaction type caps every type together.
 */
export const periodLimits = pgTable(
  'period_limits',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    walletTypeId: uuid('wallet_type_id')
      .notNull()
      .references(() => walletTypes.id),
    transactionTypeId: uuid('transaction_type_id').references(() => transactionTypes.id),
    period: limitPeriod('period').notNull(),
    maxAmount: money('max_amount'),
    maxCount: integer('max_count'),
    // Set from the service's clock, the clock that dates postings: a limit counts the postings made since.
    createdAt: createdAt(),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check(
      'period_limits_caps',
      sql`coalesce(${t.maxAmount}, ${t.maxCount}) is not null and coalesce(${t.maxAmount}, 1) > 0 and coalesce(${t.maxCount}, 1) > 0`,
    ),
    // The upsert's key; "no transaction type" is one value of it (PostgreSQL 14 has no NULLS NOT DISTINCT).
    uniqueIndex('period_limits_key').on(
      t.walletTypeId,
      sql`coalesce(${t.transactionTypeId}, '00000000-0000-0000-0000-000000000000'::uuid)`,
      t.period,
    ),
    index('period_limits_created_at_id_idx').on(t.createdAt, t.id),
  ],
);

/**
 * How much a wallet sent under a limit in one period: a counter the posting engine adds to under the
 * wallet's lock, and a reversal or a hold released (voided, expired, captured for less) takes back from.
 * No foreign keys, so that the hot path checks none: the wallet is locked anyway, and a removed limit's
 * rows are inert. Rows of ended periods may be deleted.
 */
export const limitUsage = pgTable(
  'limit_usage',
  {
    walletId: uuid('wallet_id').notNull(),
    limitId: uuid('limit_id').notNull(),
    periodStart: instant('period_start').notNull(),
    amount: money('amount').notNull().default(0),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.walletId, t.limitId, t.periodStart] })],
);
