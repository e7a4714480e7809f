import { z } from 'zod';
import { bodyInteger, idSchema, positiveAmountSchema, statusMessageInput } from './common';

/** A hold not captured or voided within this many seconds is voided by the server (README, "Holds"). */
const DEFAULT_HOLD_SECONDS = 900;
/** At least a second (tests use that); at most a week, which outlasts any checkout or fuel pump. */
const MIN_HOLD_SECONDS = 1;
const MAX_HOLD_SECONDS = 7 * 24 * 3600;

/** A strict body integer, like the amounts: trpc-to-openapi would coerce a bare z.number() of a REST body ("5" → 5). */
export const holdExpirySchema = bodyInteger(
  z.number().int().min(MIN_HOLD_SECONDS).max(MAX_HOLD_SECONDS),
).meta({
  description: `Seconds until an uncaptured hold is voided by the server: ${MIN_HOLD_SECONDS} to ${MAX_HOLD_SECONDS}, default ${DEFAULT_HOLD_SECONDS}. Only with "hold": true.`,
});

/** The seconds a posting request reserves its amount for, or undefined when it is no hold. */
export function holdSecondsOf(input: { hold?: boolean | undefined; expiresInSeconds?: number | undefined }) {
  return input.hold === true ? (input.expiresInSeconds ?? DEFAULT_HOLD_SECONDS) : undefined;
}

/**
 * Where a hold stands. PENDING reserves its amount; the others are final: CAPTURED (its posting is
 * COMPLETED, perhaps for less), VOIDED by a caller or EXPIRED by the server (its posting is CANCELLED).
 */
export const HOLD_STATUSES = ['PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** What the server writes into an expired hold's posting. */
export const HOLD_EXPIRED_MESSAGE = 'Hold expired';

/** Capture all of a hold, or `amount` of it (at most the amount held): the rest is released. */
export const holdCaptureInput = z.object({
  id: idSchema,
  amount: positiveAmountSchema.optional(),
});
export type HoldCaptureInput = z.infer<typeof holdCaptureInput>;

export const holdVoidInput = z.object({
  id: idSchema,
  statusMessage: statusMessageInput.optional(),
});
export type HoldVoidInput = z.infer<typeof holdVoidInput>;

export const HOLD_CAPTURED_MESSAGE = 'Hold captured';
export const HOLD_VOIDED_MESSAGE = 'Hold voided';
