import type { Actor, HoldRefusal } from '@tekana/contracts';
import type { HoldLookup, HoldRow, LockedWallet, NewHold, NewPosting } from '@tekana/db';
import { creditOverflows, inactiveWalletRefusal, type Refusal, refuse } from './posting-checks';

/**
 * The pure rules of holds (README, "Holds"): who may settle one, and what a capture or a void does to
 * it where it stands. Every check of a posting ran when the hold was placed; these add what may have
 * changed since.
 */

/** A hold as the engine places it beside its PENDING posting. */
export function newHold(posting: NewPosting, actor: Actor, expiresInSeconds: number): NewHold {
  return {
    transactionId: posting.id,
    debitedWalletId: posting.debitedWalletId,
    creditedWalletId: posting.creditedWalletId,
    amount: posting.amount,
    createdBy: actor.id,
    expiresInSeconds,
  };
}

/** Why a capture or a void is refused: nothing changes, and the caller learns why. */
type SettleRefusal = Exclude<HoldRefusal, 'NOT_A_HOLD'> | 'AMOUNT_OUT_OF_RANGE' | 'WALLET_INACTIVE';

/**
 * What settling a hold comes to: the same answer as the first time (a repeat), the amount to capture
 * (0 for a void), or a refusal.
 */
export type HoldDecision =
  | { kind: 'repeat' }
  | { kind: 'settle'; amount: number }
  | ({ kind: 'refuse' } & Refusal<SettleRefusal>);

const refused = (refusal: Refusal<SettleRefusal>): HoldDecision => ({ kind: 'refuse', ...refusal });

/**
 * The hold a caller may settle: the one who placed it, or an admin. Someone whose wallet it touches sees
 * it, so is told no (403); anyone else is told it does not exist (404), as for any posting.
 */
export function settleableHold(
  actor: Actor,
  found: HoldLookup | undefined,
): HoldRow | Refusal<'NOT_FOUND' | 'NOT_A_HOLD' | 'FORBIDDEN'> {
  const sees =
    actor.role === 'ADMIN' || found?.debitedCustomerId === actor.id || found?.creditedCustomerId === actor.id;
  if (!found || !sees) return refuse('NOT_FOUND', 'No such transaction');
  if (!found.hold)
    return refuse('NOT_A_HOLD', 'This transaction is no hold: it cannot be captured or voided');
  if (actor.role !== 'ADMIN' && found.hold.createdBy !== actor.id) {
    return refuse('FORBIDDEN', 'Only whoever placed a hold, or an admin, may capture or void it');
  }
  return found.hold;
}

/**
 * Capture `requested` (all of it when absent) of a hold. A second capture for the same amount answers the
 * first; for another, it conflicts. Money moves only now, so both wallets must still be ACTIVE and the
 * credited balance must stay exact; the funds were reserved, so the debited wallet cannot be overdrawn.
 */
export function captureDecision(
  hold: HoldRow,
  requested: number | undefined,
  debited: LockedWallet,
  credited: LockedWallet,
): HoldDecision {
  switch (hold.status) {
    case 'CAPTURED':
      return requested === undefined || requested === hold.capturedAmount
        ? { kind: 'repeat' }
        : refused(refuse('HOLD_CAPTURED', `This hold was already captured, for ${hold.capturedAmount}`));
    case 'VOIDED':
      return refused(refuse('HOLD_VOIDED', 'This hold was voided: its funds are released'));
  }
  // Swept already, or past its time and not swept yet: the same answer.
  if (hold.status === 'EXPIRED' || hold.expired) {
    return refused(refuse('HOLD_EXPIRED', 'This hold expired: its funds are released'));
  }
  const amount = requested ?? hold.amount;
  if (amount > hold.amount) {
    return refused(refuse('AMOUNT_OUT_OF_RANGE', `A capture takes at most the ${hold.amount} held`));
  }
  const inactive = inactiveWalletRefusal({ debited, credited });
  if (inactive) return refused(inactive);
  if (creditOverflows(credited, amount)) {
    return refused(refuse('AMOUNT_OUT_OF_RANGE', 'The credited balance would leave the exact range'));
  }
  return { kind: 'settle', amount };
}

/** Void a hold: once; again (or after it expired) answers the same cancelled posting. */
export function voidDecision(hold: HoldRow): HoldDecision {
  switch (hold.status) {
    case 'PENDING':
      return { kind: 'settle', amount: 0 };
    case 'CAPTURED':
      return refused(refuse('HOLD_CAPTURED', 'This hold was captured: reverse the posting instead'));
    default:
      return { kind: 'repeat' };
  }
}
