import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../spawned-process';
import { asPostgresUser, giveToPostgresUser, postgresBinDir } from './as-postgres-user';

/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary folder, on a free port), for tests that
 * crash or freeze the database: the machine's shared cluster is never stopped. As root, the commands run
 * as the `postgres` user, since Postgres refuses to run as root.
 */
export type OwnPostgres = {
  port: number;
  /** A URL to `database` on this cluster. */
  url(database?: string): string;
  createDatabase(name: string): void;
  /** `pg_ctl stop -m immediate`: every Postgres process exits at once, as in a crash. */
  crash(): void;
  start(): void;
  /** SIGSTOP to the postmaster and every backend: connections stay open and nothing answers. */
  freeze(): void;
  thaw(): void;
  close(): void;
};

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tekana-pg-'));
  const data = join(dir, 'data');
  const bin = postgresBinDir();
  giveToPostgresUser(dir);
  const run = (command: string, args: string[]) => {
    const [exe, argv] = asPostgresUser(bin ? join(bin, command) : command, args);
    execFileSync(exe, argv, { stdio: 'pipe', timeout: 60_000 });
  };
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A crash here is of the processes, not of the machine: what was written survives in the page cache.
    '-c fsync=off',
    '-c max_connections=100',
  ].join(' ');
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const pids = (): number[] => {
    const pidFile = join(data, 'postmaster.pid');
    if (!existsSync(pidFile)) return [];
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    return [postmaster, ...children];
  };
  const signal = (name: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, name);
      } catch {
        // A backend that exited meanwhile.
      }
    }
  };
  const crash = () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);

  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  start();
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase(name) {
      const psql = bin ? join(bin, 'psql') : 'psql';
      const args = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', `create database ${name}`];
      execFileSync(psql, args, { stdio: 'pipe' });
    },
    crash,
    start,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    close() {
      signal('SIGCONT');
      try {
        crash();
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
