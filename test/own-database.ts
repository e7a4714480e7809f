import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDatabase } from '../packages/db/src/client';
import { verifyLedger } from '../packages/db/src/verify';

export type OwnDatabase = { url: string; drop(): Promise<void> };

export type OwnDatabaseOptions = {
  /** A word in the database's name, to tell whose it is (`months`, `scale`). */
  label?: string;
  /**
   * `drop` first checks `pnpm verify`'s invariants on it and keeps it for inspection when they fail
   * (default). Off for callers that check the ledger in their own tests, or never post to it.
   */
  verifyLedger?: boolean;
};

/**
 * A fresh, empty database of the caller's own on the test Postgres (not migrated): for tests whose
 * servers or checks must see only what they wrote themselves. `drop` removes it.
 */
export async function createOwnDatabase(options: OwnDatabaseOptions = {}): Promise<OwnDatabase> {
  const label = options.label ? `${options.label}_` : '';
  const name = `tekana_test_${inject('runId')}_${label}${randomBytes(4).toString('hex')}`;
  const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(inject('adminDatabaseUrl'));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      try {
        if (options.verifyLedger !== false) {
          const database = createDatabase({ databaseUrl: url.toString(), dataDir: '' });
          const problems = await verifyLedger(database.db).finally(() => database.close());
          if (problems.length > 0) throw new Error(`ledger of ${name} broken: ${JSON.stringify(problems)}`);
        }
        await admin.unsafe(`drop database ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export type OwnDataDir = { dataDir: string; remove(): void };

/**
 * A fresh, empty directory of the caller's own for an embedded PGlite (`createDatabase({ dataDir })`):
 * the embedded twin of `createOwnDatabase`. `remove` deletes it; close its database first.
 */
export function createOwnDataDir(label: string): OwnDataDir {
  const dataDir = mkdtempSync(join(tmpdir(), `tekana-${label}-`));
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}
