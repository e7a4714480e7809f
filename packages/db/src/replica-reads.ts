import { AsyncLocalStorage } from 'node:async_hooks';
import { withReplicas } from 'drizzle-orm/pg-core';
import type { Db } from './handle';

/**
 * Where `reader` sends a query (README, "Read replicas"): to any replica, unless the request runs inside
 * `readAtLeast(position, work)`, which pins it to a replica that has replayed the primary's WAL up to
 * `position`, or to the primary when none has. Positions are WAL locations (LSNs) as integers.
 */
export type ReplicaReads = {
  reader: Db;
  /** The primary's WAL position, read after this call: at or past every commit that preceded the call. */
  walPosition(): Promise<bigint>;
  readAtLeast<T>(position: bigint, work: () => Promise<T>): Promise<T>;
};

/** What a replica is asked, and the primary: their WAL positions as Postgres writes them (`16/B374D848`). */
export type WalProbes = {
  /** `pg_current_wal_lsn()` on the primary. */
  primaryPosition(): Promise<string>;
  /** `pg_last_wal_replay_lsn()` on the replica: null when it is not a standby (it then never counts as caught up). */
  replayedPosition(): Promise<string | null>;
};

type Replica = { db: Db; replayedPosition: WalProbes['replayedPosition'] };

// A replica's replayed position is asked again at most this often; in between, a writer whose write is
// past the last answer reads from the primary.
const REPLAY_CHECK_EVERY_MS = 100;
// A replica slow to tell its position does not hold up the read: it goes to the primary.
const REPLAY_CHECK_WAIT_MS = 500;
// Reads of the primary's position start at least this far apart: under a stream of writes, a few hundred
// trivial queries a second shared by every writer, never one per posting.
const PRIMARY_POSITION_GAP_MS = 2;

/** `16/B374D848` as the integer 0x16B374D848. */
export function parseWalPosition(text: string): bigint {
  const [high, low] = text.split('/');
  if (!high || !low || !/^[0-9A-F]{1,8}$/i.test(high) || !/^[0-9A-F]{1,8}$/i.test(low))
    throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Each call gets a read of the primary's position that starts after the call (so it is at or past the
 * caller's commit). One read is out at a time; the calls made meanwhile share the next one, the same
 * promise, which starts once the current read is back and the gap has passed.
 */
export function sharedPositionReads(read: () => Promise<bigint>, gapMs = PRIMARY_POSITION_GAP_MS) {
  let current: Promise<bigint> | undefined;
  let next: Promise<bigint> | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  const start = () => {
    lastStart = performance.now();
    current = read().finally(() => {
      current = undefined;
    });
    return current;
  };
  return function positionAfterNow(): Promise<bigint> {
    if (!current && !next && performance.now() - lastStart >= gapMs) return start();
    next ??= (async () => {
      await current?.catch(() => undefined);
      const wait = lastStart + gapMs - performance.now();
      if (wait > 0) await sleep(wait);
      next = undefined;
      return start();
    })();
    return next;
  };
}

/** A replica's replayed position as last seen, asked again on demand at most every 100 ms. */
function replayTracker({ replayedPosition }: Replica) {
  let replayed = -1n;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;
  const check = async () => {
    try {
      const text = await replayedPosition();
      replayed = text === null ? -1n : parseWalPosition(text);
    } catch {
      // Down or unreachable: nobody is pinned to it until it answers again.
      replayed = -1n;
    }
  };
  return async function hasReplayed(position: bigint): Promise<boolean> {
    if (replayed >= position) return true;
    if (checking || performance.now() - checkedAt < REPLAY_CHECK_EVERY_MS) return false;
    checkedAt = performance.now();
    const done = check().finally(() => {
      checking = undefined;
    });
    checking = done;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, REPLAY_CHECK_WAIT_MS);
    });
    await Promise.race([done, late]).finally(() => clearTimeout(timer));
    return replayed >= position;
  };
}

/** `reader` over the replicas, pinned per request by `readAtLeast`; reads with no pin go to any replica. */
export function createReplicaReads(
  primary: { db: Db; position: WalProbes['primaryPosition'] },
  replicas: [Replica, ...Replica[]],
): ReplicaReads {
  const pinned = new AsyncLocalStorage<Db>();
  const anyOf = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T;
  const reader = withReplicas(
    primary.db,
    replicas.map((r) => r.db) as [Db, ...Db[]],
    (dbs) => pinned.getStore() ?? anyOf(dbs),
  ) as unknown as Db;
  const trackers = replicas.map((r) => ({ db: r.db, hasReplayed: replayTracker(r) }));
  return {
    reader,
    walPosition: sharedPositionReads(async () => parseWalPosition(await primary.position())),
    async readAtLeast(position, work) {
      const replayed = await Promise.all(trackers.map((t) => t.hasReplayed(position)));
      const caughtUp = trackers.filter((_, i) => replayed[i]).map((t) => t.db);
      return pinned.run(caughtUp.length > 0 ? anyOf(caughtUp) : primary.db, work);
    },
  };
}
