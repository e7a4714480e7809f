import {
  CHANNEL_TYPES,
  CURRENCY_CODES,
  GENDERS,
  HOLD_STATUSES,
  ID_TYPES,
  LIMIT_PERIODS,
  ROLES,
  TRANSACTION_STATUSES,
  TRANSACTION_TYPE_STATUSES,
  WALLET_STATUSES,
} from '@tekana/contracts';
import { pgEnum } from 'drizzle-orm/pg-core';

export const idType = pgEnum('id_type', ID_TYPES);
export const gender = pgEnum('gender', GENDERS);
export const role = pgEnum('role', ROLES);
export const currencyCode = pgEnum('currency_code', CURRENCY_CODES);
export const walletStatus = pgEnum('wallet_status', WALLET_STATUSES);
export const transactionTypeStatus = pgEnum('transaction_type_status', TRANSACTION_TYPE_STATUSES);
export const channelType = pgEnum('channel_type', CHANNEL_TYPES);
export const transactionStatus = pgEnum('transaction_status', TRANSACTION_STATUSES);
export const holdStatus = pgEnum('hold_status', HOLD_STATUSES);
export const limitPeriod = pgEnum('limit_period', LIMIT_PERIODS);

/**
 * The postings that moved money: a REVERSED original did (its reversal, a posting of its own, moved it
 * back); a PENDING hold has not, a CANCELLED one never will, a captured one is COMPLETED for what it moved.
 */
export const MOVED_MONEY_STATUSES = [
  'COMPLETED',
  'REVERSED',
] as const satisfies readonly (typeof TRANSACTION_STATUSES)[number][];
