import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { RunSql } from './handle';
import { runOnPglite, runOnPostgres } from './run-sql';

/**
 * A database as an older version of the server left it: migrated up to `lastTag` and no further, without
 * the default seed. For tests of a migration (that it takes that database, with its data, to this
 * version), in both runtime modes. `run` writes the older version's rows; `close` before migrating on.
 */
export async function openAtMigration(
  target: { databaseUrl: string } | { dataDir: string },
  lastTag: string,
): Promise<{ run: RunSql; close(): Promise<void> }> {
  const migrationsFolder = migrationsUpTo(lastTag);
  try {
    if ('dataDir' in target) {
      const client = new PGlite(target.dataDir);
      await migratePglite(drizzlePglite(client), { migrationsFolder });
      return {
        run: runOnPglite(client),
        close: () => client.close(),
      };
    }
    const client = postgres(target.databaseUrl, { max: 1, onnotice: () => {} });
    await migratePostgres(drizzlePostgres(client), { migrationsFolder });
    return {
      run: runOnPostgres(client),
      close: () => client.end(),
    };
  } finally {
    rmSync(migrationsFolder, { recursive: true, force: true });
  }
}

/** A copy of the migrations folder whose journal ends at `lastTag`. */
function migrationsUpTo(lastTag: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'tekana-migrations-'));
  cpSync(fileURLToPath(new URL('./migrations', import.meta.url)), folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag}`);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}
