import { DomainError } from '@tekana/contracts';
import {
  addLimitUsage,
  applyPlannedBalances,
  causeChain,
  type Database,
  findPostingsByKeys,
  insertHolds,
  insertNotices,
  insertPostings,
  insertTransactionAudits,
  isLostRace,
  isRefusedValue,
  lockWalletsInIdOrder,
  PostingKeyTakenError,
  readLimitUsage,
  readTransactionTypes,
  type TransactionRow,
} from '@tekana/db';
import { isUnavailable } from '../errors';
import type { Clock } from '../ports/clock';
import type { PostingOwners } from './api-rows';
import type { LimitPeriods } from './limit-periods';
import { createLimitUsage, periodStartsOf } from './limit-usage';
import { type PostingGroup, type PostingOutcome, planBatch } from './posting-batch';

/** A posting's final answer: the committed row and its wallets' owners, or the refusal it got. */
export type PostingResult =
  | { ok: true; row: TransactionRow; owners: PostingOwners }
  | { ok: false; error: Error };

export type PostingEngine = ReturnType<typeof createPostingEngine>;

/**
 * One committed batch, as metrics see it: its postings, its whole time (to its commit), and its two round
 * trips: the lock trip (BEGIN, the wallets' locks, the keys, the limits' usage) and the write trip (rows,
 * balances, notices and COMMIT, which waits for the WAL flush; absent when the batch wrote nothing).
 */
export type PostingBatchFigures = {
  postings: number;
  seconds: number;
  lockSeconds: number;
  writeSeconds?: number;
};

export type PostingEngineDeps = {
  database: Database;
  /** The references of postings made at a batch's time. */
  newReferences: (postedAt: Date) => () => string;
  /** Dates each batch's postings: the time their limits per period count them at. */
  clock: Clock;
  /** The days and months of the limits' time zone. */
  limitPeriods: LimitPeriods;
  /** Called after a batch that wrote notices has committed (wakes the outbox relay). */
  onNoticesCommitted?: () => void;
  /** Observes each committed batch: how many postings it carried and how long it and its round trips took. */
  onBatch?: (batch: PostingBatchFigures) => void;
  /** Postings per database transaction at most; an atomic group is never split. */
  maxBatchPostings?: number;
  /**
   * Batches committing at once (default one). A second one overlaps its round trips with the first's, but
   * it queues on every wallet the two share (a hot merchant is in each), and it splits the waiting
   * postings into smaller batches. Measured (docs/SCALE.md), one at a time posts at least as fast, with
   * less CPU per posting, and a hot wallet as fast as random ones. Batches lock in id order, so the batches
   * of several servers never deadlock.
   */
  batchesInFlight?: number;
  /**
   * Postings that may wait for a batch. Past it, a posting is refused at once with 503 (try again)
   * instead of queueing without end while the database is slow or silent.
   */
  maxWaitingPostings?: number;
};

type Entry = PostingGroup & { settle(results: PostingResult[]): void; fail(error: unknown): void };

const MAX_ATTEMPTS = 4;

const secondsNow = () => performance.now() / 1_000;

// Lost races that a fresh attempt resolves: a key taken by another process, a deadlock, a serialization failure.
function retryable(error: unknown): boolean {
  return isLostRace(error) || [...causeChain(error)].some((e) => e instanceof PostingKeyTakenError);
}

/**
 * Group commit. Postings that arrive while the batches in flight commit form the next batch; on an idle
 * engine a posting goes at the next turn of the event loop (no timer), so calls that arrive together (a
 * tRPC batch, a bulk request) share one. A batch is one database transaction of a handful of statements
 * whatever its size: reference data read once, every wallet locked in id order in one statement, the
 * postings applied in memory by the pure checks, rows, balances and notices written in one statement each,
 * and the audit rows of admins' postings in one more when there are any.
 */
export function createPostingEngine(deps: PostingEngineDeps) {
  const maxBatchPostings = deps.maxBatchPostings ?? 512;
  const maxInFlight = deps.batchesInFlight ?? 1;
  const maxWaiting = deps.maxWaitingPostings ?? 10_000;
  const waiting: Entry[] = [];
  let waitingPostings = 0;
  let inFlight = 0;
  let scheduled = false;

  function schedule() {
    if (inFlight >= maxInFlight || scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (inFlight >= maxInFlight || waiting.length === 0) return;
      inFlight++;
      void commit(takeBatch()).then((answer) => {
        inFlight--;
        schedule();
        // The next batch goes first: schedule() starts it on the next turn of the event loop and the
        // driver writes its BEGIN and reads on the turn after, ahead of these answers. Postgres then locks
        // and reads while this process writes the committed batch's answers (a bulk's batch of 400
        // postings: its lock trip 12.7 → 9.2 ms, 10,118 → 11,118 postings/s).
        setImmediate(() => setImmediate(answer));
      });
      schedule();
    });
  }

  function takeBatch(): Entry[] {
    let size = 0;
    let count = 0;
    for (const entry of waiting) {
      if (count > 0 && size + entry.requests.length > maxBatchPostings) break;
      size += entry.requests.length;
      count++;
    }
    waitingPostings -= size;
    return waiting.splice(0, count);
  }

  /** Commits a batch (retrying what may be retried); resolves to what answers its callers. */
  async function commit(entries: Entry[]): Promise<() => void> {
    const started = secondsNow();
    for (let attempt = 1; ; attempt++) {
      try {
        const { outcomes, postedAt, postings, notices, trips } = await attemptBatch(entries);
        if (notices > 0) deps.onNoticesCommitted?.();
        deps.onBatch?.({ postings, seconds: secondsNow() - started, ...trips });
        return () => {
          for (const [i, entry] of entries.entries()) entry.settle(finalResults(outcomes[i] ?? [], postedAt));
        };
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && retryable(error)) continue;
        // A value the database refuses (say, a NUL byte in a message) fails only its own posting.
        if (entries.length > 1 && !isUnavailable(error)) {
          for (const entry of entries) (await commit([entry]))();
          return () => {};
        }
        // Alone and still refused by the database: this posting's own bad value, answered as such.
        const failure = isRefusedValue(error)
          ? new DomainError('BAD_REQUEST', 'A value in the request cannot be stored or searched')
          : error;
        return () => {
          for (const entry of entries) entry.fail(failure);
        };
      }
    }
  }

  function attemptBatch(entries: Entry[]) {
    const requests = entries.flatMap((e) => e.requests);
    const walletIds = [
      ...new Set(requests.flatMap((r) => [r.input.debitedWalletId, r.input.creditedWalletId])),
    ];
    const typeIds = [...new Set(requests.flatMap((r) => r.input.transactionTypeId ?? []))];
    const typeCodes = [...new Set(requests.flatMap((r) => r.input.transactionTypeCode ?? []))];
    const keys = [...new Set(requests.map((r) => r.input.externalReferenceNumber))];
    const debitedIds = [...new Set(requests.map((r) => r.input.debitedWalletId))];
    const postedAt = deps.clock.now();
    const windows = deps.limitPeriods.windowsAt(postedAt);
    const began = secondsNow();
    return deps.database.transact(async (run, commit) => {
      // Issued together and run in this order: the keys and the limits' usage are read under the locks, so
      // a copy of a request that committed while we waited for a wallet is found, and its usage counted.
      const [transactionTypes, wallets, earlier, usage] = await Promise.all([
        readTransactionTypes(run, { ids: typeIds, codes: typeCodes }),
        lockWalletsInIdOrder(run, walletIds),
        findPostingsByKeys(run, keys),
        readLimitUsage(run, debitedIds, postedAt, periodStartsOf(windows)),
      ]);
      const locked = secondsNow();
      const limits = usage.length > 0 ? createLimitUsage(usage, windows) : undefined;
      const plan = planBatch(
        entries,
        { transactionTypes, wallets, earlier, limits },
        deps.newReferences(postedAt),
      );
      const trips: Pick<PostingBatchFigures, 'lockSeconds' | 'writeSeconds'> = {
        lockSeconds: locked - began,
      };
      if (plan.postings.length > 0) {
        const planned = secondsNow();
        // The writes (each checking the wallets it changes against the plan) and COMMIT, in one round trip: a
        // failed write or check turns the COMMIT into a ROLLBACK. The wallets stay locked for this trip only.
        await Promise.all([
          insertPostings(run, plan.postings, postedAt),
          applyPlannedBalances(run, plan.balanceChanges),
          insertNotices(run, plan.notices),
          insertTransactionAudits(run, plan.audits, postedAt),
          insertHolds(run, plan.holds, plan.heldAfter),
          addLimitUsage(run, plan.limitUsage),
          commit(),
        ]);
        trips.writeSeconds = secondsNow() - planned;
      }
      return {
        outcomes: plan.outcomes,
        postedAt,
        postings: plan.postings.length,
        notices: plan.notices.length,
        trips,
      };
    });
  }

  /** Each answer: the original under its key as it was, or the new posting dated as its batch wrote it. */
  function finalResults(outcomes: PostingOutcome[], postedAt: Date): PostingResult[] {
    return outcomes.map((outcome) => {
      if (!outcome.ok) return outcome;
      const { posting, owners } = outcome;
      if ('createdAt' in posting) return { ok: true, row: posting, owners };
      return { ok: true, row: { ...posting, createdAt: postedAt }, owners };
    });
  }

  return {
    /** Queues a group of postings for the next batch; resolves once that batch has committed. */
    submit(group: PostingGroup): Promise<PostingResult[]> {
      if (waitingPostings + group.requests.length > maxWaiting) {
        return Promise.reject(
          new DomainError('SERVICE_UNAVAILABLE', 'The ledger is busy; try again shortly'),
        );
      }
      return new Promise((resolve, reject) => {
        waiting.push({ ...group, settle: resolve, fail: reject });
        waitingPostings += group.requests.length;
        schedule();
      });
    },
  };
}
