import { type Database, makePartitionsAhead, pruneLimitUsage } from '@tekana/db';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';

export type DailyMaintenance = ReturnType<typeof createDailyMaintenance>;

const DAY_MS = 86_400_000;

export type DailyMaintenanceDeps = {
  database: Database;
  log: Logger;
  /** The ledger's clock: the periods of limits are its days and months. */
  clock: Clock;
  everyMs?: number;
};

/**
 * What each server does daily, each step logged when it fails and tried again the next day:
 * - makes the months of postings ahead (`makePartitionsAhead`, in packages/db), at start too. The
 *   database's advisory lock makes concurrent runs one after the other, a month made already is left
 *   alone, and months are made well ahead, so a missed day costs nothing;
 * - deletes the counters of limit periods that ended (`pruneLimitUsage`), so that `limit_usage` keeps
 *   about 40 days of them instead of growing for ever. Not at start: the first day's run does it.
 */
export function createDailyMaintenance(deps: DailyMaintenanceDeps) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function makeMonthsAhead(): Promise<void> {
    try {
      const made = await makePartitionsAhead(deps.database);
      if (made > 0) deps.log.info({ made }, 'made monthly partitions of transactions ahead');
    } catch (error) {
      deps.log.warn({ err: error }, 'making monthly partitions of transactions failed; trying again later');
    }
  }

  async function pruneEndedPeriods(): Promise<void> {
    try {
      const pruned = await deps.database.transact((run) => pruneLimitUsage(run, deps.clock.now()));
      if (pruned > 0) deps.log.info({ pruned }, 'deleted the limit usage of ended periods');
    } catch (error) {
      deps.log.warn({ err: error }, 'deleting the limit usage of ended periods failed; trying again later');
    }
  }

  const maintenance = {
    start() {
      if (timer) return;
      running = makeMonthsAhead();
      timer = setInterval(() => {
        running = running.then(maintenance.runDaily);
      }, deps.everyMs ?? DAY_MS);
      timer.unref();
    },
    /** The daily round, on its own (tests; the timer runs it every day). */
    async runDaily() {
      await makeMonthsAhead();
      await pruneEndedPeriods();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
  return maintenance;
}
