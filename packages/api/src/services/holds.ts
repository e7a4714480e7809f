import {
  type Actor,
  DomainError,
  HOLD_EXPIRED_MESSAGE,
  HOLD_VOIDED_MESSAGE,
  type HoldCaptureInput,
  type HoldVoidInput,
  type Transaction,
} from '@tekana/contracts';
import {
  applyPlannedBalances,
  cancelHoldPostings,
  completeHoldPosting,
  findDueHolds,
  findHold,
  findTransaction,
  giveBackLimitUsage,
  type HoldRow,
  insertNotices,
  insertTransactionAudits,
  type LockedWallet,
  lockHolds,
  lockWalletsInIdOrder,
  type RunSql,
  settleHolds,
  type TransactionRow,
} from '@tekana/db';
import { ownersIn, toTransaction, transactionFor } from './api-rows';
import { auditEntry } from './audit';
import { captureDecision, type HoldDecision, settleableHold, voidDecision } from './hold-checks';
import type { LedgerDeps } from './ledger';
import { outboxNoticesFor } from './ledger-notices';
import { createLimitPeriods } from './limit-periods';
import { limitGiveBack } from './limit-usage';

export type HoldService = ReturnType<typeof createHoldService>;
/** The ledger's own: its database, clock (which dates admins' audit rows), limits' zone, and the relay to wake. */
export type HoldDeps = Pick<LedgerDeps, 'database' | 'clock' | 'limitsTimeZone' | 'wakeNoticeRelay'>;

/**
 * Capture, void and expiry of holds (README, "Holds"). Holds are placed by the posting engine, as
 * PENDING postings; settling one changes balances, so each takes its wallets' locks in id order first,
 * then the hold's row, as a reversal does, in a database transaction of its own.
 *
 * A hold counted against its debited wallet's limits when it was placed (README, "Limits per period"):
 * what it does not move goes back to the periods of its posting's createdAt, under the same locks; a
 * capture is not checked against them again.
 */
export function createHoldService(deps: HoldDeps) {
  const limitPeriods = createLimitPeriods(deps.limitsTimeZone);
  /** The hold's posting released: all it took of its limits (the amount and the count) goes back. */
  const released = (row: TransactionRow) =>
    limitGiveBack(limitPeriods, row, { amount: row.amount, count: 1 });

  /** The hold a caller named, after its wallets' locks and then its own: the ledger's one lock order. */
  async function lockNamedHold(run: RunSql, actor: Actor, id: string, sides: 'both' | 'debited') {
    const named = settleableHold(actor, await findHold(run, id));
    if ('code' in named) throw new DomainError(named.code, named.message);
    // A hold's wallets never change, so they are known before locking. A void moves nothing: it changes
    // the debited wallet's held balance only, and leaves the credited wallet free for its postings.
    const walletIds = [named.debitedWalletId, ...(sides === 'both' ? [named.creditedWalletId] : [])];
    const wallets = await lockWalletsInIdOrder(run, walletIds);
    const [hold] = await lockHolds(run, [id]);
    if (!hold) throw new Error('holds: a hold vanished under its lock');
    return { hold, wallets };
  }

  /** The amount to settle for, or undefined for a repeat (answered as the posting stands); a refusal throws. */
  function settling(decision: HoldDecision): number | undefined {
    if (decision.kind === 'refuse') throw new DomainError(decision.code, decision.message);
    return decision.kind === 'settle' ? decision.amount : undefined;
  }

  /** The posting as it stands, as `actor` may see it: the answer to a repeated capture or void. */
  async function standing(run: RunSql, actor: Actor, hold: HoldRow, wallets: Map<string, LockedWallet>) {
    const row = await findTransaction(run, hold.transactionId);
    if (!row) throw new Error('holds: the posting of a hold is missing');
    return shown(actor, row, wallets);
  }

  const shown = (actor: Actor, row: TransactionRow, wallets: Map<string, LockedWallet>) =>
    transactionFor(actor, row, ownersIn(wallets, row));

  /** An admin's capture or void is audited: the posting before (PENDING) and after. */
  async function audit(
    run: RunSql,
    actor: Actor,
    action: 'transaction.capture' | 'transaction.void',
    before: TransactionRow | undefined,
    after: TransactionRow,
  ) {
    if (actor.role !== 'ADMIN' || !before) return;
    await insertTransactionAudits(
      run,
      [auditEntry(actor, action, after.id, toTransaction(before), toTransaction(after))],
      deps.clock.now(),
    );
  }

  // Read only for an admin, whose actions are audited.
  const postingBefore = (run: RunSql, actor: Actor, id: string) =>
    actor.role === 'ADMIN' ? findTransaction(run, id) : Promise.resolve(undefined);

  return {
    /**
     * Moves the captured amount (all of the hold, or less) and releases the whole hold: the posting
     * becomes COMPLETED for that amount, with the balances after the capture, and sends its notices.
     */
    async capture(actor: Actor, input: HoldCaptureInput): Promise<Transaction> {
      let noticed = false;
      const answer = await deps.database.transact(async (run) => {
        const { hold, wallets } = await lockNamedHold(run, actor, input.id, 'both');
        const debited = wallets.get(hold.debitedWalletId);
        const credited = wallets.get(hold.creditedWalletId);
        if (!debited || !credited) throw new Error('holds: a wallet of the hold is missing');
        const amount = settling(captureDecision(hold, input.amount, debited, credited));
        if (amount === undefined) return standing(run, actor, hold, wallets);
        const before = await postingBefore(run, actor, hold.transactionId);
        // Under the wallets' locks the balances after are known; the update checks it ends there.
        debited.currentBalance -= amount;
        credited.currentBalance += amount;
        await applyPlannedBalances(
          run,
          new Map([
            [debited.id, { delta: -amount, balance: debited.currentBalance }],
            [credited.id, { delta: amount, balance: credited.currentBalance }],
          ]),
        );
        await settleHolds(run, [
          { transactionId: hold.transactionId, status: 'CAPTURED', capturedAmount: amount },
        ]);
        const row = await completeHoldPosting(run, {
          id: hold.transactionId,
          amount,
          debitedWalletBalance: debited.currentBalance,
          creditedWalletBalance: credited.currentBalance,
        });
        // The amount not captured goes back; the count stays taken, since a posting was made.
        await giveBackLimitUsage(run, [
          limitGiveBack(limitPeriods, row, { amount: hold.amount - amount, count: 0 }),
        ]);
        const notices = outboxNoticesFor([{ row, debited, credited }]);
        await insertNotices(run, notices);
        await audit(run, actor, 'transaction.capture', before, row);
        noticed = notices.length > 0;
        return shown(actor, row, wallets);
      });
      if (noticed) deps.wakeNoticeRelay?.();
      return answer;
    },

    /** Releases a pending hold: its posting becomes CANCELLED, and nothing moves. */
    async void(actor: Actor, input: HoldVoidInput): Promise<Transaction> {
      return deps.database.transact(async (run) => {
        const { hold, wallets } = await lockNamedHold(run, actor, input.id, 'debited');
        if (settling(voidDecision(hold)) === undefined) return standing(run, actor, hold, wallets);
        const before = await postingBefore(run, actor, hold.transactionId);
        await settleHolds(run, [
          { transactionId: hold.transactionId, status: 'VOIDED', capturedAmount: null },
        ]);
        const [row] = await cancelHoldPostings(run, [
          { transactionId: hold.transactionId, statusMessage: input.statusMessage ?? HOLD_VOIDED_MESSAGE },
        ]);
        if (!row) throw new Error('holds: the posting of a pending hold was not pending');
        await giveBackLimitUsage(run, [released(row)]);
        await audit(run, actor, 'transaction.void', before, row);
        return shown(actor, row, wallets);
      });
    },

    /**
     * Voids up to `limit` holds past their time, as EXPIRED, in one database transaction; gives how many
     * were due, so that the sweeper goes round again while a round comes back full. Safe in every process
     * at once: the same lock order as a capture, and a hold settled meanwhile is left as it is.
     */
    async expireDue(limit: number): Promise<number> {
      return deps.database.transact(async (run) => {
        const due = await findDueHolds(run, limit);
        if (due.length === 0) return 0;
        await lockWalletsInIdOrder(run, [...new Set(due.map((h) => h.debitedWalletId))]);
        const locked = await lockHolds(
          run,
          due.map((h) => h.transactionId),
        );
        const expired = locked.filter((h) => h.status === 'PENDING' && h.expired);
        await settleHolds(
          run,
          expired.map((h) => ({ transactionId: h.transactionId, status: 'EXPIRED', capturedAmount: null })),
        );
        const cancelled = await cancelHoldPostings(
          run,
          expired.map((h) => ({ transactionId: h.transactionId, statusMessage: HOLD_EXPIRED_MESSAGE })),
        );
        await giveBackLimitUsage(run, cancelled.map(released));
        return due.length;
      });
    },
  };
}
