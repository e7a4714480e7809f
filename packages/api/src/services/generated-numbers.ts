import { randomBytes } from 'node:crypto';
import { uniqueViolation } from '@tekana/db';
import { v7 as uuidV7 } from 'uuid';

// Crockford's base 32: no I, L, O or U, so a reference read out over the phone is not misheard.
const READABLE = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// Drawn from a pool refilled 4 KB at a time: one `randomBytes(8)` per posting (a getrandom call each)
// was 4 % of a server's CPU under bulk postings.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

function pooledRandomBytes(count: number): Buffer {
  if (used + count > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += count;
  return pool.subarray(used - count, used);
}

/**
 * A posting's id: a version 7 UUID (RFC 9562), whose first 48 bits are the time in milliseconds, so that a
 * month's primary key grows at its right edge. A random (version 4) id touched a random page of it per
 * posting, and the first touch of a page after each checkpoint writes the whole page to the WAL.
 */
export function newPostingId(): string {
  return uuidV7();
}

/**
 * A transaction's reference: 'TX', the UTC time to the millisecond, then 8 random characters (40 bits),
 * e.g. TX261125124301123K7QZ3M9P. Sorts by time; a clash within one millisecond is left to the unique
 * constraint and `retryOnCollision`.
 */
export function makeReferenceNumber(
  now: Date,
  random: (bytes: number) => Buffer = pooledRandomBytes,
): string {
  return referencesAt(now, random)();
}

/** References of postings made at `now` (a batch's, which all share its time): the time written once. */
export function referencesAt(now: Date, random: (bytes: number) => Buffer = pooledRandomBytes): () => string {
  const prefix = `TX${now.toISOString().replace(/\D/g, '').slice(2, 17)}`;
  return () => prefix + [...random(8)].map((byte) => READABLE[byte % 32]).join('');
}

/** Runs `attempt` again while it fails on the named unique constraint: for generated numbers that clash. */
export async function retryOnCollision<T>(
  constraint: string,
  attempts: number,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= attempts || uniqueViolation(error) !== constraint) throw error;
    }
  }
}
