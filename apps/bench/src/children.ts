import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A process the bench started; every one is stopped on exit, error or signal. */
export type Child = { name: string; pid: number; process: ChildProcess; exited: Promise<number | null> };

const running = new Set<Child>();
/**
 * Built JavaScript runs as `pnpm start` runs it (the flags of package.json's start script): readable
 * stack traces, and a young generation large enough that a server under load is not mostly collecting.
 */
const PRODUCTION_NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=64'];
const STOP_GRACE_MS = 15_000;

/**
 * Runs `node <script>` (TypeScript through `--import tsx`, built JavaScript as it is) so that the child's
 * pid is the node process itself (for its RSS).
 */
export function spawnNodeScript(
  name: string,
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; args?: string[]; logFile: string },
): Child {
  const log = openSync(options.logFile, 'a');
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : PRODUCTION_NODE_FLAGS;
  const child = spawn(process.execPath, [...loader, script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', log, log],
  });
  return track(name, child);
}

/** Registers a started process so that `stopAllChildren` stops it. */
export function track(name: string, child: ChildProcess): Child {
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const entry: Child = { name, pid: child.pid, process: child, exited };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  return entry;
}

/** SIGTERM, then SIGKILL if it is still there after a grace period. */
export async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/** Polls `url` until it answers 200; fails early if the child dies, with the tail of its log. */
export async function waitUntilReady(
  child: Child,
  url: string,
  logFile: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void child.exited.then(() => {
    died = true;
  });
  while (Date.now() < deadline) {
    if (died) throw new Error(`${child.name} exited before it was ready:\n${tail(logFile)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${child.name} was not ready at ${url} after ${timeoutMs / 1000} s:\n${tail(logFile)}`);
}

/** The process's peak resident set (VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

// Linux counts a process's CPU time in clock ticks of 1/100 s (USER_HZ) in /proc/<pid>/stat.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far: how much machine a case cost, whatever the noise. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
