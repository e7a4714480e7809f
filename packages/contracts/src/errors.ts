import { z } from 'zod';

/** Why a new posting (or a bulk item) was refused by the ledger's checks. */
export const NEW_POSTING_REFUSALS = [
  'INSUFFICIENT_FUNDS',
  'DEBIT_NOT_ALLOWED',
  'CREDIT_NOT_ALLOWED',
  'AMOUNT_OUT_OF_RANGE',
  'WALLET_INACTIVE',
  'CURRENCY_MISMATCH',
  'TRANSACTION_TYPE_INACTIVE',
  'SAME_WALLET',
  'LIMIT_EXCEEDED',
] as const;
export type NewPostingRefusal = (typeof NEW_POSTING_REFUSALS)[number];

/** Why a reversal was refused: it may neither repeat nor overdraw. */
export const REVERSAL_REFUSALS = ['ALREADY_REVERSED', 'NOT_REVERSIBLE', 'INSUFFICIENT_FUNDS'] as const;
export type ReversalRefusal = (typeof REVERSAL_REFUSALS)[number];

/**
 * Why a capture or void was refused. NOT_A_HOLD (422) names a posting that never was a hold; the others
 * (409) say the hold was already settled another way, so the request conflicts with where it stands.
 */
export const HOLD_REFUSALS = ['NOT_A_HOLD', 'HOLD_CAPTURED', 'HOLD_VOIDED', 'HOLD_EXPIRED'] as const;
export type HoldRefusal = (typeof HOLD_REFUSALS)[number];

/** Why a posting was refused: answered as 422 with this code, and nothing was posted. */
export const POSTING_REFUSALS = [...NEW_POSTING_REFUSALS, 'ALREADY_REVERSED', 'NOT_REVERSIBLE'] as const;
export type PostingRefusal = (typeof POSTING_REFUSALS)[number];

/** Every error the domain raises, each with one HTTP status (see `ERROR_STATUS`). */
export const ERROR_CODES = [
  ...POSTING_REFUSALS,
  ...HOLD_REFUSALS,
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'INVALID_CREDENTIALS',
  'INVALID_OTP',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_CONFLICT',
  'TOO_MANY_REQUESTS',
  'SERVICE_UNAVAILABLE',
  'INTERNAL',
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

const refusalStatus = Object.fromEntries(POSTING_REFUSALS.map((c) => [c, 422])) as Record<
  PostingRefusal,
  422
>;

export const ERROR_STATUS: Record<ErrorCode, number> = {
  ...refusalStatus,
  NOT_A_HOLD: 422,
  HOLD_CAPTURED: 409,
  HOLD_VOIDED: 409,
  HOLD_EXPIRED: 409,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_OTP: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A domain error: services throw it, one mapping turns it into a tRPC code and an HTTP status. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Facts the client may act on, sent beside `code` (e.g. which item of a bulk request failed). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The old gateway's envelope: every REST body, errors included. */
export const envelopeSchema = <T extends z.ZodType>(data: T) =>
  z.object({ status: z.number().int(), message: z.string(), data });
