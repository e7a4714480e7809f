import { DomainError, type LimitExceeded, type LimitPeriod } from '@tekana/contracts';
import type {
  LimitGiveBack,
  LimitUsageChange,
  PeriodStarts,
  TransactionRow,
  WalletLimitUsage,
} from '@tekana/db';
import type { LimitPeriods, PeriodWindow } from './limit-periods';

/** A limit as the check sees it: its caps, what was used of it this period, and when the period ends. */
export type LimitState = {
  maxAmount: number | null;
  maxCount: number | null;
  usedAmount: number;
  usedCount: number;
  resetsAt: Date;
};

const isOver = (l: LimitState, amount: number) =>
  (l.maxAmount !== null && l.usedAmount + amount > l.maxAmount) ||
  (l.maxCount !== null && l.usedCount + 1 > l.maxCount);

// Never below zero, though usage may stand over a cap that an admin lowered.
const smallest = (values: number[]) => (values.length > 0 ? Math.max(0, Math.min(...values)) : null);

/**
 * The limits check of one posting of `amount`, against every limit that applies to it (README, "Limits per
 * period"): undefined when it fits them all. Otherwise what the wallet may still send now under all of
 * them, and when the last of the limits it is over starts a new period (before then, it is refused again).
 */
export function limitRefusal(limits: LimitState[], amount: number): LimitExceeded | undefined {
  const over = limits.filter((l) => isOver(l, amount));
  if (over.length === 0) return undefined;
  return {
    remainingAmount: smallest(
      limits.flatMap((l) => (l.maxAmount === null ? [] : [l.maxAmount - l.usedAmount])),
    ),
    remainingCount: smallest(limits.flatMap((l) => (l.maxCount === null ? [] : [l.maxCount - l.usedCount]))),
    resetsAt: new Date(Math.max(...over.map((l) => l.resetsAt.getTime()))).toISOString(),
  };
}

/** LIMIT_EXCEEDED (422), its facts in `data` beside the code. */
export function limitExceededError(exceeded: LimitExceeded): DomainError {
  const { remainingAmount, remainingCount, resetsAt } = exceeded;
  const left = [
    remainingAmount === null ? undefined : `${remainingAmount} more`,
    remainingCount === null ? undefined : `${remainingCount} more posting(s)`,
  ].filter(Boolean);
  return new DomainError(
    'LIMIT_EXCEEDED',
    `Over this wallet's sending limit: it may send ${left.join(' in ')} until ${resetsAt}`,
    exceeded,
  );
}

type Counter = LimitState &
  WalletLimitUsage & { periodStart: Date; openingAmount: number; openingCount: number };

/**
 * The usage of a batch's limits while it is planned: each posting sees what the postings before it left, a
 * refused one adds nothing, and an atomic group undone gives its usage back (`mark`, `undo`). What changed
 * is written in one statement once the batch is planned.
 */
export function createLimitUsage(rows: WalletLimitUsage[], windows: Record<LimitPeriod, PeriodWindow>) {
  const byWallet = new Map<string, Counter[]>();
  for (const row of rows) {
    const window = windows[row.period];
    const counter: Counter = {
      ...row,
      periodStart: window.start,
      resetsAt: window.end,
      openingAmount: row.usedAmount,
      openingCount: row.usedCount,
    };
    byWallet.set(row.walletId, [...(byWallet.get(row.walletId) ?? []), counter]);
  }
  const taken: { counters: Counter[]; amount: number }[] = [];
  const applying = (walletId: string, transactionTypeId: string) =>
    (byWallet.get(walletId) ?? []).filter(
      (c) => c.transactionTypeId === null || c.transactionTypeId === transactionTypeId,
    );

  return {
    /** Why a debit of `amount` from this wallet, of this transaction type, is over a limit; undefined when it fits. */
    refusal(walletId: string, transactionTypeId: string, amount: number): LimitExceeded | undefined {
      return limitRefusal(applying(walletId, transactionTypeId), amount);
    },
    /** Counts a debit that was posted. */
    take(walletId: string, transactionTypeId: string, amount: number): void {
      const counters = applying(walletId, transactionTypeId);
      if (counters.length === 0) return;
      for (const c of counters) {
        c.usedAmount += amount;
        c.usedCount += 1;
      }
      taken.push({ counters, amount });
    },
    mark: () => taken.length,
    /** Gives back everything taken since `mark`. */
    undo(mark: number): void {
      for (const { counters, amount } of taken.splice(mark)) {
        for (const c of counters) {
          c.usedAmount -= amount;
          c.usedCount -= 1;
        }
      }
    },
    /** The counters the batch moved, as changes to add. */
    changes(): LimitUsageChange[] {
      return [...byWallet.values()].flat().flatMap((c) =>
        c.usedCount === c.openingCount
          ? []
          : [
              {
                walletId: c.walletId,
                limitId: c.limitId,
                periodStart: c.periodStart,
                amount: c.usedAmount - c.openingAmount,
                count: c.usedCount - c.openingCount,
              },
            ],
      );
    },
  };
}

export type LimitUsage = ReturnType<typeof createLimitUsage>;

/** Where the current periods start, for the SQL that reads and writes their counters. */
export const periodStartsOf = (windows: Record<LimitPeriod, PeriodWindow>): PeriodStarts => ({
  DAY: windows.DAY.start,
  MONTH: windows.MONTH.start,
});

/**
 * Part or all of what `posting` took of its debited wallet's limits, given back to the day and month of its
 * createdAt, when it was counted (README, "Limits per period"): all of it for a reversal or a hold released,
 * the amount not captured (and no count: a posting was made) for a hold captured for less.
 */
export function limitGiveBack(
  periods: LimitPeriods,
  posting: Pick<TransactionRow, 'debitedWalletId' | 'transactionTypeId' | 'createdAt'>,
  taken: { amount: number; count: number },
): LimitGiveBack {
  return {
    debitedWalletId: posting.debitedWalletId,
    transactionTypeId: posting.transactionTypeId,
    postedAt: posting.createdAt,
    starts: periodStartsOf(periods.windowsAt(posting.createdAt)),
    ...taken,
  };
}
