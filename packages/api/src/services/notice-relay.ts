import type { SmsJob } from '@tekana/contracts';
import { type Database, takePendingNotices } from '@tekana/db';
import { createOutageLog, type Logger } from '../ports/logger';
import type { SmsQueue } from '../ports/sms-queue';

export type NoticeRelay = ReturnType<typeof createNoticeRelay>;
/** What the server does with a relay, wherever it runs (in its process, or on a thread of its own). */
export type NoticeRelayControl = Pick<NoticeRelay, 'start' | 'wake' | 'stop'>;

export type NoticeRelayDeps = {
  database: Database;
  smsQueue: SmsQueue;
  log: Logger;
  /** How often the outbox is read without being woken (notices left by a crash, or while Redis was down). */
  pollMs?: number;
  batchSize?: number;
  /**
   * Under load, rounds start at most this often: wakes that come meanwhile join the next round, so the
   * relay makes a few large `addBulk`s a second instead of one small round per committed batch.
   */
  minRoundGapMs?: number;
};

/**
 * Moves notices from the outbox to the SMS queue, in bulk, each under its outbox id (queued once): the
 * transaction that takes them deletes them and commits once the queue holds them, so a crash before that
 * commit only queues them again under the same ids. Several processes may relay at once; each takes its own
 * rows.
 */
export function createNoticeRelay(deps: NoticeRelayDeps) {
  const batchSize = deps.batchSize ?? 500;
  const pollMs = deps.pollMs ?? 1_000;
  const minRoundGapMs = deps.minRoundGapMs ?? 100;
  let running: Promise<void> | undefined;
  let again = false;
  // Idle until started: services made for a CLI or a test never relay behind their caller's back.
  let started = false;
  let stopped = false;
  const outage = createOutageLog(deps.log, {
    failing: 'Could not relay SMS notices; they wait in the outbox',
    recovered: 'SMS notices are moving again',
  });
  let timer: NodeJS.Timeout | undefined;

  function relayOnce(): Promise<number> {
    return deps.database.transact(async (run) => {
      const notices = await takePendingNotices(run, batchSize);
      if (notices.length === 0) return 0;
      await deps.smsQueue.enqueueMany(
        notices.map((n) => ({
          id: `notice-${n.id}`,
          job: { to: n.recipient, text: n.text, kind: n.kind as SmsJob['kind'] },
        })),
      );
      return notices.length;
    });
  }

  async function drain(): Promise<void> {
    try {
      do {
        again = false;
        const roundStarted = Date.now();
        while ((await relayOnce()) === batchSize) {}
        const wait = minRoundGapMs - (Date.now() - roundStarted);
        if (again && !stopped && wait > 0) await new Promise((r) => setTimeout(r, wait));
      } while (again);
      outage.worked();
    } catch (error) {
      // Never the texts (they hold balances): the notices wait in the outbox.
      outage.failed(error);
    }
  }

  function startRound(): void {
    if (running) {
      again = true;
      return;
    }
    running = drain().finally(() => {
      running = undefined;
    });
  }

  const relay = {
    /** Relays what is pending now; a wake while a round runs makes it go round once more. */
    wake(): void {
      if (started && !stopped) startRound();
    },
    /** Waits for the round under way, if any (tests, shutdown). */
    async settled(): Promise<void> {
      while (running) await running;
    },
    start(): void {
      started = true;
      timer = setInterval(relay.wake, pollMs);
      timer.unref();
      relay.wake();
    },
    /** Stops polling; relays what the last postings committed, so a clean shutdown leaves nothing behind. */
    async stop(): Promise<void> {
      clearInterval(timer);
      await relay.settled();
      startRound();
      stopped = true;
      await relay.settled();
    },
  };
  return relay;
}
