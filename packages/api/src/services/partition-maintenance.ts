import { type Database, makePartitionsAhead } from '@tekana/db';
import type { Logger } from '../ports/logger';

export type PartitionMaintenance = ReturnType<typeof createPartitionMaintenance>;

const DAY_MS = 86_400_000;

/**
 * Makes the months of postings ahead (`makePartitionsAhead`, in packages/db): at start, then daily. Every
 * server runs it; the database's advisory lock makes concurrent runs one after the other, and a month
 * made already is left alone. A failed run is logged and tried again at the next one: months are made
 * well ahead, so a missed day costs nothing.
 */
export function createPartitionMaintenance(deps: { database: Database; log: Logger; everyMs?: number }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function runOnce(): Promise<void> {
    try {
      const made = await makePartitionsAhead(deps.database);
      if (made > 0) deps.log.info({ made }, 'made monthly partitions of transactions ahead');
    } catch (error) {
      deps.log.warn({ err: error }, 'making monthly partitions of transactions failed; trying again later');
    }
  }

  return {
    start() {
      if (timer) return;
      running = runOnce();
      timer = setInterval(() => {
        running = running.then(runOnce);
      }, deps.everyMs ?? DAY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
