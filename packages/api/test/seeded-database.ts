import { createDatabase, type Database, SCALE_SEED_PASSWORD, seedScale } from '@tekana/db';
import argon2 from 'argon2';
import postgres from 'postgres';
import { createOwnDatabase } from '../../../test/own-database';

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
  const own = await createOwnDatabase({ label: 'seeded', verifyLedger: false });
  const database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  const client = postgres(own.url, { max: 2, onnotice: () => {} });
  await database.migrate();
  const passwordHash = await argon2.hash(SCALE_SEED_PASSWORD, { type: argon2.argon2id });
  await seedScale(client, { ...size, passwordHash }, silent);
  return {
    url: own.url,
    database,
    client,
    async drop() {
      await client.end();
      await database.close();
      await own.drop();
    },
  };
}
