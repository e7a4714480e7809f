import { type Actor, DomainError, holdSecondsOf, type TransactionCreateInput } from '@tekana/contracts';
import type {
  BalanceChange,
  LimitUsageChange,
  LockedWallet,
  NewAuditEntry,
  NewHold,
  NewOutboxNotice,
  NewPosting,
  TransactionRow,
  TransactionTypeWithRules,
} from '@tekana/db';
import { ownersIn, type PostingOwners, toPostingFields } from './api-rows';
import { auditEntry } from './audit';
import { newPostingId } from './generated-numbers';
import { newHold } from './hold-checks';
import { type BulkCall, type NoticedPosting, outboxNoticesFor } from './ledger-notices';
import { type LimitUsage, limitExceededError } from './limit-usage';
import { authorizePosting, postingRefusal } from './posting-checks';
import { isSameRequest } from './request-fingerprint';

/** One posting asked for, with its idempotency fingerprint, and the bulk call it came in, if any. */
export type PostingRequest = {
  actor: Actor;
  input: TransactionCreateInput;
  requestHash: string;
  bulk?: BulkCall;
};

/** Postings that stand or fall together: one for a single posting, all items of an atomic bulk. */
export type PostingGroup = { requests: PostingRequest[]; atomic: boolean };

/** What a batch read under its wallet locks. */
export type BatchSnapshot = {
  transactionTypes: TransactionTypeWithRules[];
  wallets: Map<string, LockedWallet>;
  /** Postings already committed under the batch's idempotency keys. */
  earlier: TransactionRow[];
  /** The debited wallets' limits per period and their usage; absent when none applies. */
  limits?: LimitUsage;
};

/**
 * A posting's answer: the posting (new, or the original under its key) with its wallets' owners (which
 * balances the caller may see), or why it was refused.
 */
export type PostingOutcome =
  | { ok: true; posting: NewPosting | TransactionRow; owners: PostingOwners }
  | { ok: false; error: DomainError };

export type BatchPlan = {
  /** Per group, per request, in order. An atomic group refused as a whole has one refusal per request. */
  outcomes: PostingOutcome[][];
  postings: NewPosting[];
  /** Per wallet the batch moved: its net change, and the balance it must end with (checked before the commit). */
  balanceChanges: Map<string, BalanceChange>;
  /** Holds placed (their postings are PENDING), and the held balance each wallet they reserve on must end with. */
  holds: NewHold[];
  heldAfter: Map<string, number>;
  notices: NewOutboxNotice[];
  /** One per posting an admin made (a deposit, a withdrawal, any other); none for customers' postings. */
  audits: NewAuditEntry[];
  /** What the batch's postings used of their limits per period. */
  limitUsage: LimitUsageChange[];
};

/** A refusal inside an atomic bulk: nothing of it posts, and the caller learns which item failed. */
export class AtomicBulkRefused extends DomainError {
  constructor(
    readonly index: number,
    refusal: DomainError,
  ) {
    super(refusal.code, `Item ${index}: ${refusal.message}`, { ...refusal.details, index });
  }
}

function sameRequestOrConflict<T extends { requestHash: string; externalReferenceNumber: string }>(
  earlier: T,
  request: PostingRequest,
): T {
  if (isSameRequest(earlier.requestHash, request)) return earlier;
  throw new DomainError(
    'IDEMPOTENCY_CONFLICT',
    `externalReferenceNumber ${earlier.externalReferenceNumber} was already used for a different request`,
  );
}

/**
 * Applies a batch's postings in arrival order to the wallets it locked, in memory, with the same pure
 * checks as a lone posting: each sees the balances the postings before it left. A refusal undoes only
 * its own posting (or its atomic group) and leaves the others standing.
 */
export function planBatch(
  groups: PostingGroup[],
  snapshot: BatchSnapshot,
  newReference: () => string,
): BatchPlan {
  const typeById = new Map(snapshot.transactionTypes.map((t) => [t.transactionType.id, t]));
  const typeByCode = new Map(snapshot.transactionTypes.map((t) => [t.transactionType.code, t]));
  const opening = new Map<string, Balances>(
    [...snapshot.wallets].map(([id, w]) => [
      id,
      { currentBalance: w.currentBalance, heldBalance: w.heldBalance },
    ]),
  );
  const posted = new Map<string, NewPosting | TransactionRow>(
    snapshot.earlier.map((row) => [row.externalReferenceNumber, row]),
  );
  const postings: NewPosting[] = [];
  const holds: NewHold[] = [];
  const noticed: NoticedPosting[] = [];
  const audits: NewAuditEntry[] = [];

  function apply(request: PostingRequest): NewPosting | TransactionRow {
    const { actor, input, requestHash, bulk } = request;
    if (input.debitedWalletId === input.creditedWalletId) {
      throw new DomainError('SAME_WALLET', 'A transaction moves money between two different wallets');
    }
    const found = input.transactionTypeId
      ? typeById.get(input.transactionTypeId)
      : typeByCode.get(input.transactionTypeCode ?? '');
    if (!found) throw new DomainError('NOT_FOUND', 'No such transaction type');
    const earlier = posted.get(input.externalReferenceNumber);
    if (earlier) return sameRequestOrConflict(earlier, request);
    const { debited, credited } = authorizePosting(
      actor,
      snapshot.wallets.get(input.debitedWalletId),
      snapshot.wallets.get(input.creditedWalletId),
    );
    const refusal = postingRefusal({ ...input, ...found, debited, credited });
    if (refusal) throw new DomainError(refusal.code, refusal.message);
    // A hold counts against its wallet's limits when it is placed, as the posting it may become.
    const typeId = found.transactionType.id;
    const overLimit = snapshot.limits?.refusal(debited.id, typeId, input.amount);
    if (overLimit) throw limitExceededError(overLimit);
    snapshot.limits?.take(debited.id, typeId, input.amount);
    // A hold reserves the amount and moves nothing: its row keeps the balances as they stand.
    const holdSeconds = holdSecondsOf(input);
    if (holdSeconds === undefined) {
      debited.currentBalance -= input.amount;
      credited.currentBalance += input.amount;
    } else {
      debited.heldBalance += input.amount;
    }
    const posting: NewPosting = {
      id: newPostingId(),
      referenceNumber: newReference(),
      externalReferenceNumber: input.externalReferenceNumber,
      requestHash,
      transactionTypeId: found.transactionType.id,
      channelType: input.channelType,
      debitedWalletId: debited.id,
      creditedWalletId: credited.id,
      amount: input.amount,
      currencyCode: debited.currencyCode,
      debitedWalletBalance: debited.currentBalance,
      creditedWalletBalance: credited.currentBalance,
      status: holdSeconds === undefined ? 'COMPLETED' : 'PENDING',
      statusMessage: input.statusMessage ?? null,
      reversalOf: null,
    };
    postings.push(posting);
    posted.set(posting.externalReferenceNumber, posting);
    // The notices go out when money moves: for a hold, at its capture.
    if (holdSeconds === undefined) noticed.push({ row: posting, debited, credited, bulk });
    else holds.push(newHold(posting, actor, holdSeconds));
    if (actor.role === 'ADMIN') {
      audits.push(auditEntry(actor, 'transaction.post', posting.id, null, toPostingFields(posting)));
    }
    return posting;
  }

  /** Runs a group; on a refusal in an atomic group, puts every wallet, key and row back as it was. */
  function applyGroup(group: PostingGroup): PostingOutcome[] {
    const mark = {
      postings: postings.length,
      holds: holds.length,
      noticed: noticed.length,
      audits: audits.length,
    };
    const limitsMark = snapshot.limits?.mark() ?? 0;
    // Only an atomic group may have to be undone; its wallets are at most twice its size.
    const balances = group.atomic ? balancesOf(group, snapshot.wallets) : new Map<string, Balances>();
    const outcomes: PostingOutcome[] = [];
    for (const [index, request] of group.requests.entries()) {
      try {
        const posting = apply(request);
        // The batch locked every wallet its requests name, so a replayed original's wallets are among them too.
        outcomes.push({ ok: true, posting, owners: ownersIn(snapshot.wallets, posting) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (!group.atomic) {
          outcomes.push({ ok: false, error });
          continue;
        }
        for (const undone of postings.splice(mark.postings)) posted.delete(undone.externalReferenceNumber);
        holds.splice(mark.holds);
        noticed.splice(mark.noticed);
        audits.splice(mark.audits);
        snapshot.limits?.undo(limitsMark);
        for (const [id, balance] of balances) {
          const wallet = snapshot.wallets.get(id);
          if (wallet) Object.assign(wallet, balance);
        }
        const refused = new AtomicBulkRefused(index, error);
        return group.requests.map(() => ({ ok: false, error: refused }));
      }
    }
    return outcomes;
  }

  const outcomes = groups.map(applyGroup);
  const balanceChanges = new Map<string, BalanceChange>();
  const heldAfter = new Map<string, number>();
  for (const [id, wallet] of snapshot.wallets) {
    const before = opening.get(id) ?? wallet;
    if (wallet.heldBalance !== before.heldBalance) heldAfter.set(id, wallet.heldBalance);
    const delta = wallet.currentBalance - before.currentBalance;
    if (delta !== 0) balanceChanges.set(id, { delta, balance: wallet.currentBalance });
  }
  const limitUsage = snapshot.limits?.changes() ?? [];
  return {
    outcomes,
    postings,
    balanceChanges,
    holds,
    heldAfter,
    notices: outboxNoticesFor(noticed),
    audits,
    limitUsage,
  };
}

type Balances = Pick<LockedWallet, 'currentBalance' | 'heldBalance'>;

function balancesOf(group: PostingGroup, wallets: Map<string, LockedWallet>): Map<string, Balances> {
  const balances = new Map<string, Balances>();
  for (const { input } of group.requests) {
    for (const id of [input.debitedWalletId, input.creditedWalletId]) {
      const wallet = wallets.get(id);
      if (wallet)
        balances.set(id, { currentBalance: wallet.currentBalance, heldBalance: wallet.heldBalance });
    }
  }
  return balances;
}
