import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { repoRoot, tsxBin } from './harness';

/** The server and the CLI commands in their own processes, from the repo root, env as given. */
export type SpawnedProcess = {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (polls until `timeoutMs`). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves with the exit code once the process has exited (rejects after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL if still running; for afterAll/finally. */
  kill(): Promise<void>;
};

/** `tsx <script>`: the server and CLIs from source, as the other tests run them. */
export function spawnTsx(script: string, args: string[], env: Record<string, string>): SpawnedProcess {
  return spawnCommand(tsxBin, [script, ...args], env, script);
}

/**
 * Any command, from the repo root unless `cwd` says otherwise, such as `node apps/server/dist/main.js`;
 * `name` labels its errors.
 */
export function spawnCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  name = command,
  cwd = repoRoot,
): SpawnedProcess {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const exited = async (timeoutMs = 15_000) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${name} still running after ${timeoutMs} ms\n${err}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async waitForLine(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const line of out.split('\n')) {
          const match = pattern.exec(line);
          if (match) return match;
        }
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${err}`);
        if (Date.now() > deadline)
          throw new Error(`No line matching ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(5_000).catch(() => undefined);
      }
    },
  };
}

/** Runs a command line tool to its end. */
export async function runTsx(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnTsx(script, args, env);
  try {
    const code = await run.exited(timeoutMs);
    return { code, stdout: run.stdout(), stderr: run.stderr() };
  } finally {
    await run.kill();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `url` until it answers 200. */
export async function waitForHealth(url: string, server: SpawnedProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null)
      throw new Error(`server exited with ${server.child.exitCode}:\n${server.stderr()}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`${url} not healthy within ${timeoutMs} ms:\n${server.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A stack trace line as Node prints one: `    at fn (file:line:col)`. */
export const STACK_TRACE_LINE = /^\s+at\s/m;
