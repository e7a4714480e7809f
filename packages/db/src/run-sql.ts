import type { PGliteInterface } from '@electric-sql/pglite';
import type postgres from 'postgres';
import type { RunSql, SqlRow } from './handle';

/** Plain SQL on a postgres.js client or transaction (`prepare: false` behind a pooler that cannot keep them). */
export const runOnPostgres =
  (sql: Pick<postgres.Sql, 'unsafe'>, prepare?: boolean): RunSql =>
  (text, params = []) =>
    sql.unsafe(text, params as never[], prepare === undefined ? undefined : { prepare });

/** Plain SQL on a PGlite database or transaction. */
export const runOnPglite =
  (q: Pick<PGliteInterface, 'query'>): RunSql =>
  async (text, params = []) =>
    (await q.query<SqlRow>(text, params)).rows;
