import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Postgres, pg_autoctl and PgBouncer refuse to run as root: as root, the tests run them as the `postgres`
 * user, in folders handed to it.
 */
export const asRoot = process.getuid?.() === 0;

/** The newest installed PostgreSQL's server binaries (`/usr/lib/postgresql/<major>/bin`); '' for PATH. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  return found ?? '';
}

/** Gives `dir` to the postgres user when running as root, so that what runs as that user can write there. */
export function giveToPostgresUser(dir: string): void {
  if (!asRoot) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
}

/** The command line that runs `file args` as the postgres user when root (runuser), as is otherwise. */
export function asPostgresUser(file: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}
