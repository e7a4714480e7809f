import { z } from 'zod';
import { amountSchema, bodyInteger, dateTimeSchema, idSchema, positiveAmountSchema } from './common';
import { enumInput } from './enums';
import { paginationInput } from './pagination';

/** The periods a limit counts over: a calendar day or month in the limits' time zone (LIMITS_TIME_ZONE). */
export const LIMIT_PERIODS = ['DAY', 'MONTH'] as const;
const limitPeriodSchema = z.enum(LIMIT_PERIODS);
export type LimitPeriod = z.infer<typeof limitPeriodSchema>;

/**
 * What a wallet of a type may send (debit) per period: at most `maxAmount` in total and at most `maxCount`
 * postings, of one transaction type or (transactionTypeId null) of every type. Null: that side is not capped.
 */
export const limitSchema = z.object({
  id: idSchema,
  walletTypeId: idSchema,
  transactionTypeId: idSchema.nullable(),
  period: limitPeriodSchema,
  maxAmount: amountSchema.nullable(),
  maxCount: z.number().int().nonnegative().nullable(),
  createdAt: dateTimeSchema,
  updatedAt: dateTimeSchema,
});
export type Limit = z.infer<typeof limitSchema>;

const countSchema = bodyInteger(z.number().int().positive().max(1_000_000_000));

/** Upsert, keyed by (walletTypeId, transactionTypeId or none, period): that limit becomes exactly this. */
export const limitSetInput = z
  .object({
    walletTypeId: idSchema,
    transactionTypeId: idSchema.nullable().optional(),
    period: enumInput(LIMIT_PERIODS),
    maxAmount: positiveAmountSchema.nullable().optional(),
    maxCount: countSchema.nullable().optional(),
  })
  .refine((l) => l.maxAmount != null || l.maxCount != null, {
    message: 'Give maxAmount, maxCount or both (DELETE /limits/{id} removes a limit)',
    path: ['maxAmount'],
  });
export type LimitSetInput = z.infer<typeof limitSetInput>;

export const limitListInput = paginationInput.extend({
  walletTypeId: idSchema.optional(),
  transactionTypeId: idSchema.optional(),
  period: enumInput(LIMIT_PERIODS).optional(),
});
export type LimitListInput = z.infer<typeof limitListInput>;

export const limitRemoveInput = z.object({ id: idSchema });
export type LimitRemoveInput = z.infer<typeof limitRemoveInput>;

/**
 * What a LIMIT_EXCEEDED refusal tells the caller: what the wallet may still send now under all the limits
 * that apply to the posting (null where none caps it), and when the limit it exceeded starts a new period.
 */
export const limitExceededSchema = z.object({
  remainingAmount: amountSchema.nullable(),
  remainingCount: z.number().int().nonnegative().nullable(),
  resetsAt: dateTimeSchema,
});
export type LimitExceeded = z.infer<typeof limitExceededSchema>;
