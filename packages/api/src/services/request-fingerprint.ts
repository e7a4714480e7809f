import { createHash } from 'node:crypto';
import { type Actor, holdSecondsOf, type TransactionCreateInput } from '@tekana/contracts';

/**
 * Fingerprints are versioned: rows written before v2 hold a bare hex hash of a hand-kept field list,
 * and are compared the old way, so that a request retried across an upgrade still finds its posting.
 */
const V2 = 'v2:';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * JSON with every object's keys sorted: the same values give the same text, whatever their order. By
 * hand rather than by JSON.stringify's replacer, which took twice as long on the posting path.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // A Date (or anything else that says how it goes to JSON) counts by that, not as an empty object.
  if ('toJSON' in value && typeof value.toJSON === 'function') return canonicalJson(value.toJSON());
  let text = '';
  for (const key of Object.keys(value).sort()) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner !== undefined) text += `${text ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `{${text}}`;
}

/**
 * What identifies a posting request for idempotency: who sent it, and the whole input as the contract
 * parsed it (defaults filled in, strings trimmed, unknown keys dropped). Every field counts, so a field
 * added to the contract can never be left out: none is a detail that a retry may change, and the key
 * itself only repeats what the row is found by.
 */
export function requestFingerprint(actor: Actor, input: TransactionCreateInput): string {
  return V2 + sha256(canonicalJson({ actorId: actor.id, input: withHoldDefaults(input) }));
}

/**
 * `hold` and its expiry have no zod defaults, so that a posting's fingerprint stays what it was before
 * holds existed; they are filled in here instead: "hold": false is no hold, and a hold's expiry left out
 * is the default one.
 */
function withHoldDefaults(input: TransactionCreateInput): TransactionCreateInput {
  const { hold, expiresInSeconds, ...posting } = input;
  const seconds = holdSecondsOf(input);
  return seconds === undefined ? posting : { ...posting, hold, expiresInSeconds: seconds };
}

/** A reversal's fingerprint: who reversed what. Stored like a posting's, never compared (a reversal is never replayed). */
export function reversalFingerprint(actor: Actor, originalId: string): string {
  return V2 + sha256(canonicalJson({ actorId: actor.id, reversalOf: originalId }));
}

/** Whether the request that made a stored posting is this one, whichever version its fingerprint has. */
export function isSameRequest(
  stored: string,
  request: { actor: Actor; input: TransactionCreateInput; requestHash: string },
): boolean {
  if (stored.startsWith(V2)) return stored === request.requestHash;
  return stored === requestFingerprintV1(request.actor, request.input);
}

/** The fingerprint before v2, kept to compare the rows it was written into; never written any more. */
export function requestFingerprintV1(actor: Actor, input: TransactionCreateInput): string {
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
  return sha256(JSON.stringify(canonical));
}
