import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asPostgresUser, giveToPostgresUser, postgresBinDir } from './as-postgres-user';
import { freePort } from './spawned-process';

/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary folder, on a free port), for tests that
 * crash or freeze the database or replicate it: the machine's shared cluster is never stopped. As root,
 * the commands run as the `postgres` user, since Postgres refuses to run as root.
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

/** Server settings (`-c name=value`) on top of the ones every own cluster gets. */
export type PostgresSettings = Record<string, string>;

/** A temporary folder the cluster's user owns, and a way to run Postgres's commands as that user. */
function clusterFolder() {
  const dir = mkdtempSync(join(tmpdir(), 'tekana-pg-'));
  const bin = postgresBinDir();
  giveToPostgresUser(dir);
  const run = (command: string, args: string[]) => {
    const [exe, argv] = asPostgresUser(bin ? join(bin, command) : command, args);
    execFileSync(exe, argv, { stdio: 'pipe', timeout: 60_000 });
  };
  return { dir, data: join(dir, 'data'), bin, run };
}

/** The cluster in `folder.data`, started on `port` with `settings`, and the handle a test drives it by. */
function cluster(
  folder: ReturnType<typeof clusterFolder>,
  port: number,
  settings: PostgresSettings,
): OwnPostgres {
  const { dir, data, bin, run } = folder;
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A crash here is of the processes, not of the machine: what was written survives in the page cache.
    '-c fsync=off',
    '-c max_connections=100',
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
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

/**
 * A new cluster. Its `pg_hba.conf` is initdb's, which with `-A trust` lets anyone on 127.0.0.1 connect
 * and replicate, so `startOwnStandby` can copy it.
 */
export async function startOwnPostgres(settings: PostgresSettings = {}): Promise<OwnPostgres> {
  const port = await freePort();
  const folder = clusterFolder();
  folder.run('initdb', ['-D', folder.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  return cluster(folder, port, settings);
}

/**
 * A hot standby of `primary`, streaming from it: `pg_basebackup -R` copies the primary (a fast checkpoint,
 * so that it does not wait for the next one) and writes the standby's connection to it, then the copy
 * starts on a port of its own, read-only, replaying what the primary writes. `settings` such as
 * `recovery_min_apply_delay` shape the replay.
 */
export async function startOwnStandby(
  primary: OwnPostgres,
  settings: PostgresSettings = {},
): Promise<OwnPostgres> {
  const port = await freePort();
  const folder = clusterFolder();
  const source = ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'];
  folder.run('pg_basebackup', [
    ...source,
    '-D',
    folder.data,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
    '--no-sync',
  ]);
  return cluster(folder, port, { hot_standby: 'on', ...settings });
}
