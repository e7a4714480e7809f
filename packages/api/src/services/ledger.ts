import {
  type Actor,
  DomainError,
  ERROR_STATUS,
  reversalReferenceOf,
  TRANSACTION_POSTED,
  type Transaction,
  type TransactionBulkInput,
  type TransactionBulkItem,
  type TransactionBulkOutput,
  type TransactionCreateInput,
  type TransactionCreateRequest,
  type TransactionReverseInput,
} from '@tekana/contracts';
import {
  type Database,
  findTransaction,
  giveBackLimitUsage,
  insertNotices,
  insertTransactionAudits,
  lockTransaction,
  lockWalletsInIdOrder,
  markReversed,
  PostingKeyTakenError,
  type TransactionRow,
  writePosting,
} from '@tekana/db';
import type { Clock } from '../ports/clock';
import { ownersIn, toTransaction, transactionFor } from './api-rows';
import { auditEntry } from './audit';
import { makeReferenceNumber, newPostingId, referencesAt } from './generated-numbers';
import { type BulkCall, outboxNoticesFor } from './ledger-notices';
import { createLimitPeriods } from './limit-periods';
import { limitGiveBack } from './limit-usage';
import { createPayeeResolver, type ResolvedPosting } from './payees';
import { AtomicBulkRefused, type PostingRequest } from './posting-batch';
import { reversalRefusal } from './posting-checks';
import { createPostingEngine, type PostingBatchFigures, type PostingResult } from './posting-engine';
import { requestFingerprint, reversalFingerprint } from './request-fingerprint';

export type LedgerService = ReturnType<typeof createLedgerService>;
export type LedgerDeps = {
  database: Database;
  /** Dates postings (and limits), so that a posting's limits count it in the period of its createdAt. */
  clock: Clock;
  /** The IANA zone whose days and months the limits per period count in (LIMITS_TIME_ZONE). */
  limitsTimeZone: string;
  /** Told when notices were committed to the outbox, so that the relay moves them at once. */
  wakeNoticeRelay?: () => void;
  /** Observes each committed batch of the posting engine (for metrics). */
  onPostingBatch?: (batch: PostingBatchFigures) => void;
};

/**
 * A reversal's audit row is about the original, the transaction the admin named: before, as it was;
 * after, REVERSED, with the reversal posting that undid it.
 */
function reversalAudit(actor: Actor, original: TransactionRow, reversal: TransactionRow) {
  const before = toTransaction(original);
  const after = { ...before, status: 'REVERSED', reversal: toTransaction(reversal) };
  return auditEntry(actor, 'transaction.reverse', original.id, before, after);
}

const NO_ANSWER: PostingResult = { ok: false, error: new Error('ledger: the engine gave no answer') };

/** The committed posting as the caller may see it, or the refusal thrown. */
function committed(actor: Actor, result: PostingResult = NO_ANSWER): Transaction {
  if (!result.ok) throw result.error;
  return transactionFor(actor, result.row, result.owners);
}

/** A bulk item's answer, as `POST /transactions` would have enveloped it; only the unexpected throws. */
function bulkItem(actor: Actor, result: PostingResult): TransactionBulkItem {
  if (result.ok) return { status: 201, message: TRANSACTION_POSTED, data: committed(actor, result) };
  if (!(result.error instanceof DomainError)) throw result.error;
  const { code, message, details } = result.error;
  return { status: ERROR_STATUS[code], message, data: { ...details, code } };
}

/** Posting and reversal: the only code that moves money (README, "The posting engine"). */
export function createLedgerService(deps: LedgerDeps) {
  const limitPeriods = createLimitPeriods(deps.limitsTimeZone);
  const engine = createPostingEngine({
    database: deps.database,
    newReferences: referencesAt,
    clock: deps.clock,
    limitPeriods,
    onNoticesCommitted: deps.wakeNoticeRelay,
    onBatch: deps.onPostingBatch,
  });
  const payees = createPayeeResolver(deps.database);
  const request = (actor: Actor, input: TransactionCreateInput, bulk?: BulkCall): PostingRequest => ({
    actor,
    input,
    requestHash: requestFingerprint(actor, input),
    bulk,
  });

  // Not atomic: a group per item, so that whatever fails one item (even a value the database refuses)
  // fails only that item. The call's items share one `BulkCall`, which folds their notices per wallet.
  function postEach(actor: Actor, inputs: ResolvedPosting[]): Promise<PostingResult[]> {
    const bulk: BulkCall = {};
    return Promise.all(
      inputs.map((input): Promise<PostingResult> => {
        if (input instanceof DomainError) return Promise.resolve({ ok: false, error: input });
        // Submitted together, they still share a batch.
        return engine.submit({ requests: [request(actor, input, bulk)], atomic: false }).then(
          ([result]) => result ?? NO_ANSWER,
          (error: Error): PostingResult => ({ ok: false, error }),
        );
      }),
    );
  }

  /** Atomic: a payee that does not exist refuses the whole bulk before the engine sees any of it. */
  async function postAll(actor: Actor, inputs: ResolvedPosting[]): Promise<PostingResult[]> {
    const bulk: BulkCall = {};
    const requests = inputs.map((input, index) => {
      if (input instanceof DomainError) throw new AtomicBulkRefused(index, input);
      return request(actor, input, bulk);
    });
    return engine.submit({ requests, atomic: true });
  }

  return {
    /**
     * Posts one transaction through the engine's next batch. The same request again returns the first
     * posting; another one under the same key is a 409.
     */
    async post(actor: Actor, input: TransactionCreateRequest): Promise<Transaction> {
      const resolved = await payees.resolveOne(input);
      const [result] = await engine.submit({ requests: [request(actor, resolved)], atomic: false });
      return committed(actor, result);
    },

    /**
     * Up to 100 postings in one engine batch. Not atomic: each item gets its own answer. Atomic: all
     * post, or the first refusal is thrown (with the item's index) and nothing posts.
     */
    async postMany(actor: Actor, input: TransactionBulkInput): Promise<TransactionBulkOutput> {
      const resolved = await payees.resolve(input.transactions);
      const results = input.atomic ? await postAll(actor, resolved) : await postEach(actor, resolved);
      const refused = input.atomic ? results.find((r) => !r.ok) : undefined;
      if (refused && !refused.ok) throw refused.error;
      return {
        atomic: input.atomic,
        results: results.map((result) => bulkItem(actor, result)),
      };
    },

    /** Admin only: a new COMPLETED posting the other way, linked by reversalOf; the original becomes REVERSED. */
    async reverse(actor: Actor, input: TransactionReverseInput): Promise<Transaction> {
      for (let attempt = 1; ; attempt++) {
        try {
          const reversed = await deps.database.transact(async (run) => {
            // A posting's wallets and time never change, so they are read before locking: wallets first, in
            // id order, then the original's row, in its own month: the order a posting batch takes them in.
            const unlocked = await findTransaction(run, input.id);
            if (!unlocked) throw new DomainError('NOT_FOUND', 'No such transaction');
            const locked = await lockWalletsInIdOrder(run, [
              unlocked.debitedWalletId,
              unlocked.creditedWalletId,
            ]);
            const original = await lockTransaction(run, unlocked);
            const debited = locked.get(unlocked.creditedWalletId);
            const credited = locked.get(unlocked.debitedWalletId);
            if (!original || !debited || !credited)
              throw new Error('reverse: a row of the original is missing');
            const refusal = reversalRefusal(original, debited);
            if (refusal) throw new DomainError(refusal.code, refusal.message);
            const postedAt = deps.clock.now();
            const reversal = await writePosting(
              run,
              {
                id: newPostingId(),
                referenceNumber: makeReferenceNumber(postedAt),
                externalReferenceNumber: reversalReferenceOf(original.id),
                requestHash: reversalFingerprint(actor, original.id),
                transactionTypeId: original.transactionTypeId,
                channelType: original.channelType,
                debitedWalletId: debited.id,
                creditedWalletId: credited.id,
                amount: original.amount,
                currencyCode: original.currencyCode,
                status: 'COMPLETED',
                statusMessage: input.statusMessage ?? `Reversal of ${original.referenceNumber}`,
                reversalOf: original.id,
              },
              postedAt,
              { debited: debited.currentBalance, credited: credited.currentBalance },
            );
            debited.currentBalance = reversal.debitedWalletBalance;
            credited.currentBalance = reversal.creditedWalletBalance;
            await markReversed(run, original);
            // The original's amount and count go back to the periods it was counted in.
            await giveBackLimitUsage(run, [
              limitGiveBack(limitPeriods, original, { amount: original.amount, count: 1 }),
            ]);
            await insertNotices(run, outboxNoticesFor([{ row: reversal, debited, credited }]));
            await insertTransactionAudits(
              run,
              [reversalAudit(actor, original, reversal)],
              reversal.createdAt,
            );
            return transactionFor(actor, reversal, ownersIn(locked, reversal));
          });
          deps.wakeNoticeRelay?.();
          return reversed;
        } catch (error) {
          // A generated reference that clashed: the next attempt draws another.
          if (!(error instanceof PostingKeyTakenError) || attempt >= 3) throw error;
        }
      }
    },
  };
}
