import { createHash } from 'node:crypto';
import {
  DomainError,
  reversalReferenceOf,
  type Transaction,
  type TransactionCreateInput,
  type TransactionReverseInput,
} from '@tekana/contracts';
import {
  type Database,
  findByExternalReference,
  findTransactionType,
  lockTransaction,
  lockWalletsInIdOrder,
  markReversed,
  type TransactionRow,
  writePosting,
} from '@tekana/db';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { SmsQueue } from '../ports/sms-queue';
import type { Actor } from '../trpc';
import { makeReferenceNumber, retryOnCollision } from './generated-numbers';
import { createNoticeSender, noticesFor } from './ledger-notices';
import { toTransaction } from './ledger-rows';
import { authorizePosting, postingRefusal, reversalRefusal } from './posting-checks';
import { uniqueViolation } from './unique-violation';

export type LedgerService = ReturnType<typeof createLedgerService>;
export type LedgerDeps = { database: Database; smsQueue: SmsQueue; log: Logger; clock: Clock };

const EXTERNAL_REFERENCE_KEY = 'transactions_external_reference_number_unique';
const REFERENCE_KEY = 'transactions_reference_number_unique';
const REVERSAL_OF_KEY = 'transactions_reversal_of_key';

/** What identifies a request for idempotency: the canonical payload, and who sent it. */
export function requestFingerprint(actor: Actor, input: TransactionCreateInput): string {
  const canonical = [
    actor.id,
    input.externalReferenceNumber,
    input.transactionTypeId ?? null,
    input.transactionTypeCode ?? null,
    input.channelType,
    input.debitedWalletId,
    input.creditedWalletId,
    input.amount,
    input.currencyCode ?? null,
    input.statusMessage ?? null,
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** A reversal's fingerprint: who reversed what. Stored like a posting's, never compared (a reversal is never replayed). */
function reversalFingerprint(actor: Actor, originalId: string): string {
  return createHash('sha256')
    .update(JSON.stringify(['reverse', actor.id, originalId]))
    .digest('hex');
}

function sameRequestOrConflict(earlier: TransactionRow, requestHash: string): TransactionRow {
  if (earlier.requestHash === requestHash) return earlier;
  throw new DomainError(
    'IDEMPOTENCY_CONFLICT',
    `externalReferenceNumber ${earlier.externalReferenceNumber} was already used for a different request`,
  );
}

/** Posting and reversal: the only code that moves money (DESIGN.md, "Money and the ledger"). */
export function createLedgerService(deps: LedgerDeps) {
  const { db } = deps.database;
  const notices = createNoticeSender(deps.smsQueue, deps.log);
  const newReference = () => makeReferenceNumber(deps.clock.now());

  return {
    /**
     * Posts one transaction, atomically: validate → lock both wallets in id order → check → write.
     * The same request again returns the first posting; another one under the same key is a 409.
     */
    async post(actor: Actor, input: TransactionCreateInput): Promise<Transaction> {
      if (input.debitedWalletId === input.creditedWalletId) {
        throw new DomainError('SAME_WALLET', 'A transaction moves money between two different wallets');
      }
      const requestHash = requestFingerprint(actor, input);
      try {
        const posted = await retryOnCollision(REFERENCE_KEY, 3, () =>
          db.transaction(async (tx) => {
            const found = await findTransactionType(tx, input);
            if (!found) throw new DomainError('NOT_FOUND', 'No such transaction type');
            const locked = await lockWalletsInIdOrder(tx, [input.debitedWalletId, input.creditedWalletId]);
            // Checked under the locks: a copy of this request that committed while we waited is found here.
            const earlier = await findByExternalReference(tx, input.externalReferenceNumber);
            if (earlier) return { row: sameRequestOrConflict(earlier, requestHash), notices: [] };
            const wallets = authorizePosting(
              actor,
              locked.get(input.debitedWalletId),
              locked.get(input.creditedWalletId),
            );
            const refusal = postingRefusal({ ...input, ...found, ...wallets });
            if (refusal) throw new DomainError(refusal.code, refusal.message);
            const row = await writePosting(tx, {
              referenceNumber: newReference(),
              externalReferenceNumber: input.externalReferenceNumber,
              requestHash,
              transactionTypeId: found.transactionType.id,
              channelType: input.channelType,
              debitedWalletId: wallets.debited.id,
              creditedWalletId: wallets.credited.id,
              amount: input.amount,
              currencyCode: wallets.debited.currencyCode,
              statusMessage: input.statusMessage ?? null,
            });
            return { row, notices: noticesFor(row, wallets.debited, wallets.credited) };
          }),
        );
        notices.send(posted.notices, posted.row.id);
        return toTransaction(posted.row);
      } catch (error) {
        if (uniqueViolation(error) !== EXTERNAL_REFERENCE_KEY) throw error;
        // Another request under this key, on other wallets, committed between our check and our insert.
        const winner = await findByExternalReference(db, input.externalReferenceNumber);
        if (!winner) throw error;
        return toTransaction(sameRequestOrConflict(winner, requestHash));
      }
    },

    /** Admin only: a new COMPLETED posting the other way, linked by reversalOf; the original becomes REVERSED. */
    async reverse(actor: Actor, input: TransactionReverseInput): Promise<Transaction> {
      try {
        const reversed = await retryOnCollision(REFERENCE_KEY, 3, () =>
          db.transaction(async (tx) => {
            // The original's lock first, then the wallets': two reversals of it queue, the second sees REVERSED.
            const original = await lockTransaction(tx, input.id);
            if (!original) throw new DomainError('NOT_FOUND', 'No such transaction');
            const locked = await lockWalletsInIdOrder(tx, [
              original.debitedWalletId,
              original.creditedWalletId,
            ]);
            const debited = locked.get(original.creditedWalletId);
            const credited = locked.get(original.debitedWalletId);
            if (!debited || !credited) throw new Error('reverse: a wallet of the original is missing');
            const refusal = reversalRefusal(original, debited);
            if (refusal) throw new DomainError(refusal.code, refusal.message);
            const row = await writePosting(tx, {
              referenceNumber: newReference(),
              externalReferenceNumber: reversalReferenceOf(original.id),
              requestHash: reversalFingerprint(actor, original.id),
              transactionTypeId: original.transactionTypeId,
              channelType: original.channelType,
              debitedWalletId: debited.id,
              creditedWalletId: credited.id,
              amount: original.amount,
              currencyCode: original.currencyCode,
              statusMessage: input.statusMessage ?? `Reversal of ${original.referenceNumber}`,
              reversalOf: original.id,
            });
            await markReversed(tx, original.id);
            return { row, notices: noticesFor(row, debited, credited) };
          }),
        );
        notices.send(reversed.notices, reversed.row.id);
        return toTransaction(reversed.row);
      } catch (error) {
        // The unique keys on reversal_of and on `reversal:<id>` are the last guard against a double reversal.
        const key = uniqueViolation(error);
        if (key !== REVERSAL_OF_KEY && key !== EXTERNAL_REFERENCE_KEY) throw error;
        throw new DomainError('ALREADY_REVERSED', 'This transaction is already reversed');
      }
    },
  };
}
