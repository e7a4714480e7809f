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
import { phoneNumberSchema } from './customer';
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

/** An account number as a payer types it: 12 digits (the check digit is the wallet's, not the form's). */
export const accountNumberSchema = z
  .string()
  .trim()
  .regex(/^\d{12}$/, 'An account number is 12 digits');

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
  /** The current balance less what pending holds reserve: what a posting or a new hold may spend. */
  availableBalance: balanceSchema,
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

/**
 * Who would be paid: by account number, or by phone number and currency (that customer's oldest active
 * PERSONAL wallet in it). Exactly one of the two ways.
 */
export const walletLookupInput = z
  .object({
    accountNumber: accountNumberSchema.optional(),
    phoneNumber: phoneNumberSchema.optional(),
    currencyCode: enumInput(CURRENCY_CODES).optional(),
  })
  .refine(
    (q) =>
      q.accountNumber !== undefined
        ? q.phoneNumber === undefined && q.currencyCode === undefined
        : q.phoneNumber !== undefined && q.currencyCode !== undefined,
    { message: 'Give accountNumber, or phoneNumber with currencyCode', path: ['accountNumber'] },
  );
export type WalletLookupInput = z.infer<typeof walletLookupInput>;

/** What a payer may learn of a payee before paying: enough to confirm the name, nothing more. */
export const walletLookupSchema = z.object({
  walletId: idSchema,
  accountNumber: z.string(),
  currencyCode: currencyCodeSchema,
  walletTypeCode: z.string(),
  /** First name and the initial of the last, e.g. "Aline U.". */
  holderName: z.string(),
});
export type WalletLookup = z.infer<typeof walletLookupSchema>;

export const byIdInput = z.object({ id: idSchema });
export type ByIdInput = z.infer<typeof byIdInput>;
