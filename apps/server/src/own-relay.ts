import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  createBullmqSmsQueue,
  createNoticeRelay,
  type NoticeRelay,
  type NoticeRelayControl,
} from '@tekana/api';
import { createDatabase } from '@tekana/db';
import type { Logger } from 'pino';
import { type Config, databaseSettings } from './config';
import { connectRedis, waitForRedis } from './redis';

/** The settings a relay with connections of its own needs: a PostgreSQL outbox and a Redis queue. */
export type RelayConfig = Config & { DATABASE_URL: string; REDIS_URL: string };

/**
 * A notice relay with its own database pool and Redis connection, for `pnpm relay` and for the relay
 * thread of a server: it shares nothing with the process's request path.
 */
export async function createOwnRelay(
  config: RelayConfig,
  log: Logger,
): Promise<{ relay: NoticeRelay; close(): Promise<void> }> {
  const database = createDatabase({ ...databaseSettings(config), maxConnections: 2 });
  const redis = connectRedis(config.REDIS_URL, log);
  // Its first round then finds Redis connected (a relay that cannot reach it retries each second anyway).
  await waitForRedis(redis, 5_000);
  const smsQueue = createBullmqSmsQueue(redis, config.SMS_QUEUE_NAME, config.REDIS_PREFIX);
  const relay = createNoticeRelay({ database, smsQueue, log });
  return {
    relay,
    async close() {
      await smsQueue.close();
      await redis.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}

/** tsx's ESM register API, by the `import` condition of its exports (its CommonJS twin fails when imported). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8'));
  return pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
}

const STOP_GRACE_MS = 15_000;
const RESTART_AFTER_MS = 1_000;
const MAX_RESTART_DELAY_MS = 60_000;

/** What the server's relay thread is told (`relay-thread.ts` answers them). */
export type RelayThreadMessage = 'wake' | 'stop';

/**
 * The server's outbox relay, run on a thread of its own: moving thousands of notices a second into BullMQ
 * (a Lua call and msgpack per job, 500 jobs per `addBulk`) costs the request loop about an eighth of its
 * CPU per posting and stalls it tens of milliseconds per round; on its own thread it costs neither. The
 * thread is restarted if it dies; the outbox keeps what it had not relayed.
 */
export function startRelayThread(config: RelayConfig, log: Logger): NoticeRelayControl {
  // Beside this module: relay-thread.ts from source, relay-thread.js in dist/ (the build makes both). From
  // source, tsx must load it: `--import tsx` in a worker's execArgv does not reach it on Node 20, so the
  // thread registers tsx's hooks itself before importing the entry.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './relay-thread.ts' : './relay-thread.js', import.meta.url);
  const script = fromSource
    ? `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`
    : entry;
  let worker: Worker | undefined;
  let stopping = false;
  // A thread that keeps dying (say, a bad deploy) is restarted ever more slowly, up to once a minute.
  let restarts = 0;

  function spawnThread() {
    const thread = new Worker(script, { workerData: { config }, eval: fromSource });
    const born = Date.now();
    thread.on('error', (error) => log.error({ err: error }, 'the notice relay thread failed'));
    thread.on('exit', (code) => {
      if (worker === thread) worker = undefined;
      if (stopping) return;
      restarts = Date.now() - born > MAX_RESTART_DELAY_MS ? 0 : restarts + 1;
      const delay = Math.min(RESTART_AFTER_MS * 2 ** restarts, MAX_RESTART_DELAY_MS);
      log.warn({ code, delayMs: delay }, 'the notice relay thread stopped; starting another');
      setTimeout(() => stopping || spawnThread(), delay).unref();
    });
    worker = thread;
  }
  const tell = (message: RelayThreadMessage) => worker?.postMessage(message);
  let wakeQueued = false;

  return {
    start: spawnThread,
    // One message per turn of the loop however many batches committed in it: the relay folds wakes that
    // come during a round into its next one anyway.
    wake: () => {
      if (wakeQueued) return;
      wakeQueued = true;
      setImmediate(() => {
        wakeQueued = false;
        tell('wake');
      });
    },
    /** Relays what is pending, then ends the thread (terminated if it does not end in time). */
    async stop() {
      stopping = true;
      const thread = worker;
      if (!thread) return;
      const exited = once(thread, 'exit');
      tell('stop');
      const timer = setTimeout(() => void thread.terminate(), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
