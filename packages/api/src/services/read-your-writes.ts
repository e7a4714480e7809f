import type { Database } from '@tekana/db';
import type { Logger } from '../ports/logger';
import { createMemoryRecentWrites, type RecentWrites } from '../ports/recent-writes';
import { withinMs } from '../within-ms';

export type ReadYourWritesDeps = {
  database: Database;
  /** Where callers' write positions are kept: this process's memory, or Redis for several servers. */
  recentWrites?: RecentWrites;
  log: Logger;
};

export type ReadYourWrites = ReturnType<typeof createReadYourWrites>;

/** How long a caller's writes steer their reads when no `recentWrites` is given (the server passes its own). */
export const DEFAULT_READ_YOUR_WRITES_MS = 10_000;
// A write's answer waits at most this long for its position to be kept; past it (a slow Redis), the answer
// goes anyway, and the caller's reads on another server may lag until the replica catches up.
const RECORD_WAIT_MS = 1_000;

/**
 * Read-your-writes over read replicas (README, "Read replicas"). After a caller's write, the primary's WAL
 * position is read once the write is done (one read shared by every writer waiting, so never one per
 * posting) and kept for that caller; their reads then go to a replica that has replayed that far, or to
 * the primary. Callers who wrote nothing lately read from any replica. Without replicas, nothing happens.
 */
export function createReadYourWrites({
  database,
  recentWrites = createMemoryRecentWrites(DEFAULT_READ_YOUR_WRITES_MS),
  log,
}: ReadYourWritesDeps) {
  // The writers waiting for each read of the primary's position: one record per read, whoever shares it.
  const waiting = new Map<Promise<bigint>, { callers: Set<string>; recorded: Promise<void> }>();

  function recordAfterNow(callerIds: string[]): Promise<void> {
    const read = database.walPosition();
    let group = waiting.get(read);
    if (!group) {
      const callers = new Set<string>();
      const done = () => waiting.delete(read);
      const recorded = read.finally(done).then((position) => recentWrites.record([...callers], position));
      group = { callers, recorded };
      waiting.set(read, group);
    }
    for (const id of callerIds) group.callers.add(id);
    return group.recorded;
  }

  return {
    /**
     * After a mutation of these callers, done or refused: resolves once their reads, on any server, would
     * see it. Never fails the mutation: a position that cannot be kept is logged.
     */
    async wrote(callerIds: string[]): Promise<void> {
      if (!database.replicated || callerIds.length === 0) return;
      try {
        await withinMs(recordAfterNow(callerIds), RECORD_WAIT_MS);
      } catch (error) {
        log.warn({ err: { message: (error as Error).message } }, 'a write position was not kept');
      }
    },

    /** Runs a read of `callerId` (none: not signed in) where that caller's recent writes are visible. */
    async read<T>(callerId: string | undefined, work: () => Promise<T>): Promise<T> {
      if (!database.replicated || callerId === undefined) return work();
      const position = await recentWrites.positionOf(callerId).catch((error: Error) => {
        // Unknown (Redis down): what the primary has committed by now covers whatever they wrote.
        log.warn(
          { err: { message: error.message } },
          'recent writes unknown; reading at the current position',
        );
        return database.walPosition();
      });
      return position === undefined ? work() : database.readAtLeast(position, work);
    },
  };
}
