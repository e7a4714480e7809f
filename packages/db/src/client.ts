import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { withReplicas } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock';
import type { Db, RunSql, SqlRow } from './handle';
import * as schema from './schema';
import { seedDefaults } from './seed';

export * from './handle';

export type DatabaseConfig = {
  /** PostgreSQL 14+; without it the embedded PGlite in `dataDir` is used. */
  databaseUrl?: string | undefined;
  /** Read replicas (streaming); lists and lookups go there, writes and postings to the primary. */
  replicaUrls?: string[] | undefined;
  dataDir: string;
  maxConnections?: number | undefined;
  /**
   * Where migrations run, when `databaseUrl` is a pooler in transaction mode: they hold a session-level
   * advisory lock, which such a pooler would leave on whichever server connection took it.
   */
  migrationUrl?: string | undefined;
  /** false behind a pooler that cannot keep prepared statements (PgBouncer < 1.21 in transaction mode). */
  preparedStatements?: boolean | undefined;
};

export type Database = {
  kind: 'postgres' | 'embedded';
  /** The primary: writes, postings, and reads that must see the latest write. */
  db: Db;
  /** Reads that tolerate replica lag. The primary when there are no replicas. */
  reader: Db;
  /**
   * One database transaction over prepared plain SQL, for the posting path: statements issued without
   * waiting for each other are pipelined on the connection (postgres.js) and run in the order issued.
   */
  transact<T>(work: (run: RunSql) => Promise<T>): Promise<T>;
  /** Applies pending migrations and the default seed; safe to run from several processes at once. */
  migrate(): Promise<void>;
  /** Cheap liveness query for `/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

// Beside the running module: src/ from source, dist/ once bundled (`pnpm build` copies it there).
const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 72_917_301;

export function createDatabase(config: DatabaseConfig): Database {
  return config.databaseUrl ? createPostgres(config.databaseUrl, config) : createEmbedded(config.dataDir);
}

/**
 * Seconds before a connection tries again, after `lost` connections of the pool failed since one last
 * succeeded: postgres.js's curve (3^n / 100 s, jittered), capped at 1 s instead of its 20 s. Every
 * connection waits by the pool's count, so after a failover had cut a busy pool, the server would sit up
 * to 20 s longer than the database before taking postings again.
 */
const reconnectBackoff = (lost: number) => Math.min(3 ** lost / 100, 1) * (0.5 + Math.random() / 2);

function createPostgres(url: string, config: DatabaseConfig): Database {
  const options = {
    max: config.maxConnections ?? 10,
    connect_timeout: 5,
    idle_timeout: 30,
    backoff: reconnectBackoff,
    prepare: config.preparedStatements ?? true,
    onnotice: () => {},
  };
  const primaryClient = postgres(url, options);
  const replicaClients = (config.replicaUrls ?? []).map((u) => postgres(u, options));
  const primary = drizzlePostgres(primaryClient, { schema }) as unknown as Db;
  const replicas = replicaClients.map((c) => drizzlePostgres(c, { schema }) as unknown as Db);
  const [first, ...rest] = replicas;
  const reader = first ? (withReplicas(primary, [first, ...rest]) as unknown as Db) : primary;
  return {
    kind: 'postgres',
    db: primary,
    reader,
    transact(work) {
      return primaryClient.begin((sql) =>
        work((text, params = []) => sql.unsafe(text, params as never[], { prepare: options.prepare })),
      ) as Promise<Awaited<ReturnType<typeof work>>>;
    },
    async migrate() {
      // One connection holds an advisory lock so that replicas starting together migrate once.
      const client = postgres(config.migrationUrl ?? url, { ...options, max: 1 });
      try {
        await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        const db = drizzlePostgres(client, { schema });
        await migratePostgres(db, { migrationsFolder });
        await seedDefaults(db as unknown as Db);
        await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await client.end();
      }
    },
    async ping() {
      await primary.execute(sql`select 1`);
    },
    async close() {
      await Promise.all([
        primaryClient.end({ timeout: 5 }),
        ...replicaClients.map((c) => c.end({ timeout: 5 })),
      ]);
    },
  };
}

function createEmbedded(dataDir: string): Database {
  const unlock = lockDataDir(dataDir);
  const client = new PGlite(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    kind: 'embedded',
    db,
    reader: db,
    transact(work) {
      return client.transaction((tx) =>
        work(async (text, params = []) => (await tx.query<SqlRow>(text, params)).rows),
      );
    },
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
      await seedDefaults(db);
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      try {
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}
