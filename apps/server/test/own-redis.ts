import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type SpawnedProcess, spawnCommand } from './spawned-process';

/**
 * A Redis of a test's own on a free port, for tests that kill it: never the machine's shared one.
 * It runs as production must run the SMS queue's Redis (README, "Production"): every write in the
 * append-only file, fsynced before the answer, so that a job Redis has accepted survives its kill -9.
 * The folder outlives restarts, so `start()` after a kill finds what Redis had accepted.
 */
export type OwnRedis = {
  url: string;
  /** Starts it (again), resolved once it accepts connections. */
  start(): Promise<void>;
  /** kill -9, as a crash. */
  crash(): Promise<void>;
  /** Kills it and removes its folder. */
  close(): Promise<void>;
};

export async function createOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tekana-redis-'));
  let process_: SpawnedProcess | undefined;
  const crash = async () => {
    await process_?.kill();
    process_ = undefined;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      process_ = spawnCommand(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
          ...['--appendonly', 'yes', '--appendfsync', 'always'],
        ],
        { PATH: process.env.PATH ?? '' },
        'redis-server',
      );
      await process_.waitForLine(/Ready to accept connections/, 10_000);
    },
    crash,
    async close() {
      await crash();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
