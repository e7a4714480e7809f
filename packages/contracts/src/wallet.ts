import { z } from 'zod';
import {
  amountSchema,
  balanceSchema,
  bodyBoolean,
  booleanQuery,
  dateTimeSchema,
  idSchema,
  positiveAmountSchema,
} from './common';
import {
  CURRENCY_CODES,
  type CurrencyCode,
  currencyCodeSchema,
  enumInput,
  WALLET_STATUSES,
  walletStatusSchema,
} from './enums';
import { paginationInput } from './pagination';

/** Digits after the decimal point of each currency's major unit: amounts travel in minor units. */
export const CURRENCY_EXPONENTS: Record<CurrencyCode, number> = { RWF: 0, USD: 2 };

export const codeSchema = z
  .string()
  .trim()
  .regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'Code must be 2 to 32 capitals, digits or underscores');

export const walletTypeSchema = z.object({
  id: idSchema,
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  minimumTransactionAmount: amountSchema,
  maximumTransactionAmount: amountSchema,
  allowNegativeBalance: z.boolean(),
});
export type WalletType = z.infer<typeof walletTypeSchema>;

export const walletTypeCreateInput = z
  .object({
    code: codeSchema,
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(500).optional(),
    minimumTransactionAmount: positiveAmountSchema.default(1),
    maximumTransactionAmount: positiveAmountSchema,
    allowNegativeBalance: bodyBoolean.default(false),
  })
  .refine((t) => t.minimumTransactionAmount <= t.maximumTransactionAmount, {
    message: 'minimumTransactionAmount must not exceed maximumTransactionAmount',
    path: ['minimumTransactionAmount'],
  });
export type WalletTypeCreateInput = z.infer<typeof walletTypeCreateInput>;

export const walletTypeListInput = paginationInput.extend({
  code: z.string().max(32).optional(),
  name: z.string().max(100).optional(),
  allowNegativeBalance: booleanQuery.optional(),
});
export type WalletTypeListInput = z.infer<typeof walletTypeListInput>;

export const walletSchema = z.object({
  id: idSchema,
  customerId: idSchema,
  walletTypeId: idSchema,
  currencyCode: currencyCodeSchema,
  accountNumber: z.string(),
  currentBalance: balanceSchema,
  status: walletStatusSchema,
  createdAt: dateTimeSchema,
});
export type Wallet = z.infer<typeof walletSchema>;

export const walletCreateInput = z
  .object({
    /** Admins may open a wallet for anyone; a customer's wallet is always their own. */
    customerId: idSchema.optional(),
    walletTypeId: idSchema.optional(),
    walletTypeCode: codeSchema.optional(),
    currencyCode: enumInput(CURRENCY_CODES),
  })
  .refine((w) => (w.walletTypeId === undefined) !== (w.walletTypeCode === undefined), {
    message: 'Give exactly one of walletTypeId or walletTypeCode',
    path: ['walletTypeId'],
  });
export type WalletCreateInput = z.infer<typeof walletCreateInput>;

export const walletListInput = paginationInput.extend({
  id: idSchema.optional(),
  customerId: idSchema.optional(),
  walletTypeId: idSchema.optional(),
  walletTypeCode: z.string().max(32).optional(),
  currencyCode: enumInput(CURRENCY_CODES).optional(),
  accountNumber: z.string().max(20).optional(),
  status: enumInput(WALLET_STATUSES).optional(),
});
export type WalletListInput = z.infer<typeof walletListInput>;

export const walletStatusInput = z.object({ id: idSchema, status: enumInput(WALLET_STATUSES) });
export type WalletStatusInput = z.infer<typeof walletStatusInput>;

export const byIdInput = z.object({ id: idSchema });
export type ByIdInput = z.infer<typeof byIdInput>;
