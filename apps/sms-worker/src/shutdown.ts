import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { failureReason } from './sms-log';

/** Longer than the HTTP provider's 10 s timeout, so that a send in flight can always finish. */
export const DRAIN_DEADLINE_MS = 15_000;

/**
 * On SIGTERM (a deploy, a scale-down) or SIGINT (Ctrl-C): stop taking jobs, let the ones in flight finish,
 * exit 0, so that no customer loses an OTP to a deploy. If the drain cannot finish (Redis gone), exit 1 at
 * the deadline; BullMQ's stalled-job check then hands any unfinished job to another worker.
 */
export function stopOnSignal(worker: Worker, logger: Logger, isConnected: () => boolean) {
  const stop = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'SMS worker stopping after the messages in flight');
    // Nothing can be in flight before the first connection, and a graceful close would wait for Redis.
    const closing = isConnected() ? worker.close() : worker.close(true);
    const drained = await Promise.race([
      closing.then(() => true),
      sleep(DRAIN_DEADLINE_MS, false, { ref: false }),
    ]);
    if (drained) logger.info('SMS worker stopped');
    else
      logger.error(
        { deadlineMs: DRAIN_DEADLINE_MS },
        'SMS worker stopped before the messages in flight finished',
      );
    process.exit(drained ? 0 : 1);
  };
  const stopOrFail = (signal: NodeJS.Signals) =>
    stop(signal).catch((error: Error) => {
      logger.error({ reason: failureReason(error) }, 'SMS worker did not stop cleanly');
      process.exit(1);
    });
  // `once`: a second Ctrl-C falls back to Node's default and ends the process at once.
  process.once('SIGTERM', stopOrFail);
  process.once('SIGINT', stopOrFail);
}
