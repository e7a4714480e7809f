import { z } from 'zod';
import {
  amountQuery,
  amountSchema,
  balanceSchema,
  bodyBoolean,
  dateTimeQuery,
  dateTimeSchema,
  idSchema,
  positiveAmountSchema,
  statusMessageInput,
} from './common';
import {
  CHANNEL_TYPES,
  CURRENCY_CODES,
  channelTypeSchema,
  currencyCodeSchema,
  enumInput,
  TRANSACTION_STATUSES,
  TRANSACTION_TYPE_STATUSES,
  transactionStatusSchema,
  transactionTypeStatusSchema,
} from './enums';
import { holdExpirySchema } from './hold';
import { limitExceededSchema } from './limit';
import { paginationInput } from './pagination';
import { accountNumberSchema, codeSchema } from './wallet';

export const transactionTypeSchema = z.object({
  id: idSchema,
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  minimumAmount: amountSchema,
  maximumAmount: amountSchema,
  status: transactionTypeStatusSchema,
});
export type TransactionType = z.infer<typeof transactionTypeSchema>;

export const transactionTypeCreateInput = z
  .object({
    code: codeSchema,
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(500).optional(),
    minimumAmount: positiveAmountSchema.default(1),
    maximumAmount: positiveAmountSchema,
    status: enumInput(TRANSACTION_TYPE_STATUSES).default('ACTIVE'),
  })
  .refine((t) => t.minimumAmount <= t.maximumAmount, {
    message: 'minimumAmount must not exceed maximumAmount',
    path: ['minimumAmount'],
  });
export type TransactionTypeCreateInput = z.infer<typeof transactionTypeCreateInput>;

export const transactionTypeListInput = paginationInput.extend({
  code: z.string().max(32).optional(),
  status: enumInput(TRANSACTION_TYPE_STATUSES).optional(),
});
export type TransactionTypeListInput = z.infer<typeof transactionTypeListInput>;

export const transactionTypeStatusInput = z.object({
  id: idSchema,
  status: enumInput(TRANSACTION_TYPE_STATUSES),
});
export type TransactionTypeStatusInput = z.infer<typeof transactionTypeStatusInput>;

export const ruleSchema = z.object({
  transactionTypeId: idSchema,
  walletTypeId: idSchema,
  debitAllowed: z.boolean(),
  creditAllowed: z.boolean(),
});
export type Rule = z.infer<typeof ruleSchema>;
export const ruleSetInput = ruleSchema.extend({ debitAllowed: bodyBoolean, creditAllowed: bodyBoolean });
export type RuleSetInput = z.infer<typeof ruleSetInput>;
export const ruleListInput = z.object({
  transactionTypeId: idSchema.optional(),
  walletTypeId: idSchema.optional(),
});
export type RuleListInput = z.infer<typeof ruleListInput>;

/**
 * A side's balance after the posting, or null when the caller may not see it: a customer sees only the
 * balances of their own wallets (not the payee's, not the float's); an admin sees both. Null rather than
 * absent, so that the legacy frontend finds the field it always read.
 */
const sideBalanceSchema = balanceSchema.nullable().meta({
  description:
    "The wallet's balance after this posting; null unless the caller owns that wallet or is an admin",
});

export const transactionSchema = z.object({
  id: idSchema,
  referenceNumber: z.string(),
  externalReferenceNumber: z.string(),
  transactionTypeId: idSchema,
  channelType: channelTypeSchema,
  debitedWalletId: idSchema,
  creditedWalletId: idSchema,
  amount: amountSchema,
  currencyCode: currencyCodeSchema,
  debitedWalletBalance: sideBalanceSchema,
  creditedWalletBalance: sideBalanceSchema,
  status: transactionStatusSchema,
  statusMessage: z.string().nullable(),
  reversalOf: idSchema.nullable(),
  createdAt: dateTimeSchema,
});
export type Transaction = z.infer<typeof transactionSchema>;

/** Reversals are keyed `reversal:<original id>`: a caller taking that key would block the reversal. */
export const REVERSAL_REFERENCE_PREFIX = 'reversal:';
export const reversalReferenceOf = (originalId: string) => `${REVERSAL_REFERENCE_PREFIX}${originalId}`;

/** The caller's idempotency key: the same key and payload again returns the first posting. */
export const externalReferenceSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'externalReferenceNumber must be 1 to 64 letters, digits or . _ : -')
  .refine((ref) => !ref.toLowerCase().startsWith(REVERSAL_REFERENCE_PREFIX), {
    message: `externalReferenceNumber must not start with '${REVERSAL_REFERENCE_PREFIX}': those keys are the reversals'`,
  });

export const transactionCreateInput = z
  .object({
    externalReferenceNumber: externalReferenceSchema,
    transactionTypeId: idSchema.optional(),
    transactionTypeCode: codeSchema.optional(),
    channelType: enumInput(CHANNEL_TYPES).default('WEB'),
    debitedWalletId: idSchema,
    creditedWalletId: idSchema.optional(),
    /** The payee by the account number printed on their card or statement, instead of creditedWalletId. */
    creditedAccountNumber: accountNumberSchema.optional(),
    amount: positiveAmountSchema,
    currencyCode: enumInput(CURRENCY_CODES).optional(),
    statusMessage: statusMessageInput.optional(),
    /** Reserve the amount (a PENDING hold) instead of moving it; captured or voided later (README, "Holds"). */
    hold: bodyBoolean.optional(),
    expiresInSeconds: holdExpirySchema.optional(),
  })
  .refine((t) => (t.transactionTypeId === undefined) !== (t.transactionTypeCode === undefined), {
    message: 'Give exactly one of transactionTypeId or transactionTypeCode',
    path: ['transactionTypeId'],
  })
  .refine((t) => (t.creditedWalletId === undefined) !== (t.creditedAccountNumber === undefined), {
    message: 'Give exactly one of creditedWalletId or creditedAccountNumber',
    path: ['creditedWalletId'],
  })
  .refine((t) => t.hold === true || t.expiresInSeconds === undefined, {
    message: 'expiresInSeconds applies to holds only ("hold": true)',
    path: ['expiresInSeconds'],
  });
/** A posting as a client sends it: the payee by wallet id or by account number. */
export type TransactionCreateRequest = z.infer<typeof transactionCreateInput>;
/**
 * A posting with its payee resolved to a wallet id: what the ledger posts and fingerprints, so that a
 * payment is the same whichever way its payee was named.
 */
export type TransactionCreateInput = Omit<
  TransactionCreateRequest,
  'creditedWalletId' | 'creditedAccountNumber'
> & { creditedWalletId: string };

export const transactionListInput = paginationInput.extend({
  id: idSchema.optional(),
  walletId: idSchema.optional(),
  debitedWalletId: idSchema.optional(),
  creditedWalletId: idSchema.optional(),
  transactionTypeId: idSchema.optional(),
  status: enumInput(TRANSACTION_STATUSES).optional(),
  channelType: enumInput(CHANNEL_TYPES).optional(),
  currencyCode: enumInput(CURRENCY_CODES).optional(),
  referenceNumber: z.string().max(64).optional(),
  externalReferenceNumber: z.string().max(64).optional(),
  reversalOf: idSchema.optional(),
  // Piped so that trpc-to-openapi takes them as query parameters (a bare union with z.number() it refuses).
  amount: amountQuery.optional(),
  minAmount: amountQuery.optional(),
  maxAmount: amountQuery.optional(),
  createdFrom: dateTimeQuery.optional(),
  createdTo: dateTimeQuery.optional(),
});
export type TransactionListInput = z.infer<typeof transactionListInput>;

export const transactionReverseInput = z.object({
  id: idSchema,
  statusMessage: statusMessageInput.optional(),
});
export type TransactionReverseInput = z.infer<typeof transactionReverseInput>;

/** What `POST /transactions` says on success; a bulk result item says the same. */
export const TRANSACTION_POSTED = 'Transaction posted';

/** Up to 100 postings in one call (payroll, merchant settlement); each item is a `POST /transactions` body. */
export const transactionBulkInput = z.object({
  atomic: bodyBoolean.default(false),
  transactions: z
    .array(transactionCreateInput)
    .min(1)
    .max(100)
    .refine((items) => new Set(items.map((t) => t.externalReferenceNumber)).size === items.length, {
      message: 'Each item needs its own externalReferenceNumber',
    }),
});
export type TransactionBulkInput = z.infer<typeof transactionBulkInput>;

/** One item's answer: the envelope `POST /transactions` would have sent for it. */
export const transactionBulkItemSchema = z.object({
  status: z.number().int(),
  message: z.string(),
  // A refusal: its code, and its facts when it has some (LIMIT_EXCEEDED's remainingAmount, ...).
  data: z.union([
    transactionSchema,
    z.object({ code: z.string() }).extend(limitExceededSchema.partial().shape),
  ]),
});
export type TransactionBulkItem = z.infer<typeof transactionBulkItemSchema>;

export const transactionBulkOutput = z.object({
  atomic: z.boolean(),
  results: z.array(transactionBulkItemSchema),
});
export type TransactionBulkOutput = z.infer<typeof transactionBulkOutput>;
