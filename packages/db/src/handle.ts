import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema';

/** The database handles the rest of the code is written against, whichever driver `createDatabase` picked. */

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** What `db.transaction` hands its callback. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything that runs queries: the database itself or an open transaction. */
export type Queryable = Db | Tx;

/** A row as the driver gives it: bigint and timestamps may come as strings (postgres.js) or values (PGlite). */
export type SqlRow = Record<string, unknown>;
/**
 * Runs one statement of the posting path inside an open transaction. Its text never varies (lists travel
 * as array or JSON parameters), so Postgres prepares it once per connection and plans it once.
 */
export type RunSql = (text: string, params?: unknown[]) => Promise<SqlRow[]>;
/**
 * Asks to commit right behind the statements issued so far, without waiting for their answers: the
 * transaction commits only if every one of them succeeds, and no statement may follow. Resolves once it
 * has committed (PGlite, in process, commits when the work returns).
 */
export type CommitSql = () => Promise<void>;
