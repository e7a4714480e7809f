import type { Actor } from '@tekana/contracts';

/** Bearer tokens whose signature was already checked, each with the actor it names, until it expires. */
export type VerifiedTokens = {
  /** The token's actor while `nowMs` is before its expiry; undefined when unknown or expired. */
  get(token: string, nowMs: number): Actor | undefined;
  remember(token: string, actor: Actor, expiresAtMs: number): void;
  readonly size: number;
};

// A few MB when full; past it, the oldest tokens are simply verified again when next seen.
const DEFAULT_MAX_ENTRIES = 10_000;

/** Bounded: when full the oldest entry goes, so a stream of distinct tokens cannot grow memory. */
export function createVerifiedTokens(maxEntries = DEFAULT_MAX_ENTRIES): VerifiedTokens {
  const entries = new Map<string, { actor: Actor; expiresAtMs: number }>();
  return {
    get(token, nowMs) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (nowMs < entry.expiresAtMs) return entry.actor;
      entries.delete(token);
      return undefined;
    },
    remember(token, actor, expiresAtMs) {
      entries.delete(token);
      // A Map keeps insertion order, so its first key is the oldest.
      const oldest = entries.keys().next();
      if (entries.size >= maxEntries && !oldest.done) entries.delete(oldest.value);
      entries.set(token, { actor: Object.freeze({ ...actor }), expiresAtMs });
    },
    get size() {
      return entries.size;
    },
  };
}
