import { createOutageLog, type Logger } from '../ports/logger';
import type { HoldService } from './holds';

export type HoldSweeper = ReturnType<typeof createHoldSweeper>;

export type HoldSweeperDeps = {
  holds: Pick<HoldService, 'expireDue'>;
  log: Logger;
  /** How often expired holds are looked for. */
  intervalMs: number;
  /** Holds expired per database transaction; a full round is followed at once by another. */
  batchSize?: number;
};

/**
 * Voids the holds nobody captured in time (README, "Holds"). Every server runs one; they share the work
 * safely, since each round locks in the ledger's one order and leaves a hold settled meanwhile alone. A
 * capture never waits for it: a hold past its time is refused as expired, swept or not.
 */
export function createHoldSweeper(deps: HoldSweeperDeps) {
  const batchSize = deps.batchSize ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  // The holds stay refused for capture meanwhile, and are voided at the next round.
  const outage = createOutageLog(deps.log, {
    failing: 'Could not void expired holds; retrying at the next round',
    recovered: 'Expired holds are being voided again',
  });

  async function sweep(): Promise<void> {
    try {
      while ((await deps.holds.expireDue(batchSize)) === batchSize) {}
      outage.worked();
    } catch (error) {
      outage.failed(error);
    }
  }

  const sweeper = {
    /** Sweeps now unless a round is under way; resolves when the round is over. */
    async sweepNow(): Promise<void> {
      running ??= sweep().finally(() => {
        running = undefined;
      });
      await running;
    },
    start(): void {
      timer = setInterval(() => void sweeper.sweepNow(), deps.intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
  return sweeper;
}
