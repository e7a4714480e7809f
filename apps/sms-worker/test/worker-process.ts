import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, vi } from 'vitest';

// From this file, not the cwd, so the tests run the same from the repo root or from apps/sms-worker.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

/**
 * `pnpm worker` as a real process (the root script runs `tsx apps/sms-worker/src/main.ts`), with only
 * the given environment, so that nothing from the test runner's own env leaks into its config.
 */
export function spawnSmsWorker(env: Record<string, string>) {
  const child = spawn(tsx, ['apps/sms-worker/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    // Its own process group, so that cleanup can end tsx and the node process it starts, together.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output,
    exited,
    /** The JSON log lines written so far. */
    logs: () =>
      output.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async waitForLog(msg: string, timeout = 15_000) {
      await vi.waitFor(() => expect(this.logs().map((l) => l.msg)).toContain(msg), { timeout, interval: 50 });
    },
    /** Ends the whole group at once if a test left it running. */
    kill() {
      if (child.exitCode === null && child.signalCode === null && child.pid) killGroup(child);
    },
  };
}

function killGroup(child: ChildProcess) {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // Already gone between the check and the kill.
  }
}
