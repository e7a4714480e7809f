import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, SCALE_SEED_PASSWORD, seedScale } from '@tekana/db';
import argon2 from 'argon2';
import postgres from 'postgres';
import { inject } from 'vitest';

const silent = { start() {}, advance() {}, end() {} };

/**
 * A database of the caller's own on the test Postgres, migrated and filled by `pnpm seed:scale`'s code
 * (then ANALYZEd by it), so that the planner sees a ledger shaped like production's, only smaller.
 * `drop` removes it.
 */
export type SeededDatabase = {
  url: string;
  database: Database;
  client: postgres.Sql;
  drop(): Promise<void>;
};

/** A database `pnpm seed:scale` already filled (any size), used as it is and left in place. */
export function useSeededDatabase(url: string): SeededDatabase {
  const database = createDatabase({ databaseUrl: url, dataDir: '' });
  const client = postgres(url, { max: 2, onnotice: () => {} });
  return {
    url,
    database,
    client,
    async drop() {
      await client.end();
      await database.close();
    },
  };
}

export async function createSeededDatabase(size: {
  customers: number;
  postings: number;
}): Promise<SeededDatabase> {
  const name = `tekana_test_${inject('runId')}_seeded_${randomBytes(3).toString('hex')}`;
  const admin = postgres(inject('adminDatabaseUrl'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(inject('adminDatabaseUrl'));
  url.pathname = `/${name}`;
  const database = createDatabase({ databaseUrl: url.toString(), dataDir: '' });
  const client = postgres(url.toString(), { max: 2, onnotice: () => {} });
  await database.migrate();
  const passwordHash = await argon2.hash(SCALE_SEED_PASSWORD, { type: argon2.argon2id });
  await seedScale(client, { ...size, passwordHash }, silent);
  return {
    url: url.toString(),
    database,
    client,
    async drop() {
      await client.end();
      await database.close();
      await admin.unsafe(`drop database ${name} with (force)`);
      await admin.end();
    },
  };
}
