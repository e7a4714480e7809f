import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { lockDataDir } from './data-dir-lock';
import type { CommitSql, Db, RunSql } from './handle';
import { makeTransactionPartitions } from './partitions';
import { createReplicaReads } from './replica-reads';
import { commitOnPostgres, committable, runOnPglite, runOnPostgres } from './run-sql';
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
  /**
   * Reads that tolerate replica lag: any replica, unless `readAtLeast` pins the request. The primary when
   * there are no replicas.
   */
  reader: Db;
  /** Read replicas are configured: `reader` may lag behind `db`. */
  replicated: boolean;
  /**
   * The primary's WAL position, read after this call: at or past every commit that preceded it. Calls made
   * while a read is out share the next one. 0 without replicas, where nothing needs it.
   */
  walPosition(): Promise<bigint>;
  /**
   * Runs `work` with `reader` pinned where everything up to `position` is visible: a replica that has
   * replayed the primary's WAL that far (each replica asked at most every 100 ms), else the primary.
   */
  readAtLeast<T>(position: bigint, work: () => Promise<T>): Promise<T>;
  /**
   * One database transaction over prepared plain SQL, for the posting path: statements issued without
   * waiting for each other are pipelined on the connection (postgres.js) and run in the order issued,
   * BEGIN travels with the first of them, and `commit` may travel with the last (patches/postgres@3.4.9.patch).
   */
  transact<T>(work: (run: RunSql, commit: CommitSql) => Promise<T>): Promise<T>;
  /**
   * Applies pending migrations and the default seed, and makes the months of postings ahead
   * (`makeTransactionPartitions`); safe to run from several processes at once.
   */
  migrate(): Promise<void>;
  /** Cheap liveness query for `/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

// Beside the running module: src/ from source, dist/ once bundled (`pnpm build` copies it there).
const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
// Any constant works; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 72_917_301;

/**
 * How long a pooled connection waits before reconnecting after its `retries`-th failure in a row. The
 * driver's own curve reaches 10–20 s after seven failures, which a few seconds of outage under load
 * cause (every waiting request tries): Postgres back after a restart, the server would go on answering
 * 503 for up to 20 s more. Capped at one second instead, jittered so that connections do not retry in step.
 */
export function reconnectDelaySeconds(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 1);
}

export function createDatabase(config: DatabaseConfig): Database {
  return config.databaseUrl ? createPostgres(config.databaseUrl, config) : createEmbedded(config.dataDir);
}

function createPostgres(url: string, config: DatabaseConfig): Database {
  const options = {
    max: config.maxConnections ?? 10,
    connect_timeout: 5,
    idle_timeout: 30,
    prepare: config.preparedStatements ?? true,
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
  };
  const primaryClient = postgres(url, options);
  const replicaClients = (config.replicaUrls ?? []).map((u) => postgres(u, options));
  const primary = drizzlePostgres(primaryClient, { schema }) as unknown as Db;
  const [first, ...rest] = replicaClients.map((client) => ({
    db: drizzlePostgres(client, { schema }) as unknown as Db,
    async replayedPosition() {
      const [row] = await client<{ lsn: string | null }[]>`select pg_last_wal_replay_lsn()::text as lsn`;
      return row?.lsn ?? null;
    },
  }));
  const replicas = first
    ? createReplicaReads(
        {
          db: primary,
          async position() {
            const [row] = await primaryClient<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
            if (!row) throw new Error('pg_current_wal_lsn() returned no row');
            return row.lsn;
          },
        },
        [first, ...rest],
      )
    : undefined;
  return {
    kind: 'postgres',
    db: primary,
    reader: replicas?.reader ?? primary,
    replicated: replicas !== undefined,
    walPosition: replicas?.walPosition ?? (async () => 0n),
    readAtLeast: replicas?.readAtLeast ?? ((_position, work) => work()),
    transact(work) {
      return primaryClient.begin((sql) =>
        work(...committable(runOnPostgres(sql, options.prepare), () => commitOnPostgres(sql))),
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
        await client.begin((tx) => makeTransactionPartitions(runOnPostgres(tx)));
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
    replicated: false,
    walPosition: async () => 0n,
    readAtLeast: (_position, work) => work(),
    transact(work) {
      // PGlite commits when the work returns: nothing runs in between, so `commit` only closes the statements.
      return client.transaction((tx) => work(...committable(runOnPglite(tx), async () => {})));
    },
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
      await seedDefaults(db);
      await client.transaction((tx) => makeTransactionPartitions(runOnPglite(tx)));
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
