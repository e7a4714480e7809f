import type { Actor } from '@tekana/contracts';
import type { TokenClaims } from '../ports/token-revocations';

/** A bearer token whose signature was checked: the actor it names, and its claims for revocation. */
export type VerifiedToken = { actor: Actor; claims: TokenClaims };

/** Bearer tokens whose signature was already checked, each with what it names, until it expires. */
export type VerifiedTokens = {
  /** The verified token while `nowMs` is before its expiry; undefined when unknown or expired. */
  get(token: string, nowMs: number): VerifiedToken | undefined;
  remember(token: string, verified: VerifiedToken): void;
  readonly size: number;
};

// A few MB when full; past it, the oldest tokens are simply verified again when next seen.
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Bounded: when full the oldest entry goes, so a stream of distinct tokens cannot grow memory. It knows
 * nothing of revocations: a token revoked after it was remembered is still here, so the caller checks
 * revocations on every request, after this cache.
 */
export function createVerifiedTokens(maxEntries = DEFAULT_MAX_ENTRIES): VerifiedTokens {
  const entries = new Map<string, VerifiedToken>();
  return {
    get(token, nowMs) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (nowMs < entry.claims.expiresAtMs) return entry;
      entries.delete(token);
      return undefined;
    },
    remember(token, verified) {
      entries.delete(token);
      // A Map keeps insertion order, so its first key is the oldest.
      const oldest = entries.keys().next();
      if (entries.size >= maxEntries && !oldest.done) entries.delete(oldest.value);
      entries.set(
        token,
        Object.freeze({
          actor: Object.freeze({ ...verified.actor }),
          claims: Object.freeze({ ...verified.claims }),
        }),
      );
    },
    get size() {
      return entries.size;
    },
  };
}
