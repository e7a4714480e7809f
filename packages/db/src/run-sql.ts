import type { PGliteInterface } from '@electric-sql/pglite';
import type postgres from 'postgres';
import type { CommitSql, RunSql, SqlRow } from './handle';

/**
 * Plain SQL on a postgres.js client or transaction (`prepare: false` behind a pooler that cannot keep them),
 * sent when called (a postgres.js query otherwise waits until it is awaited): statements go out in the
 * order they were issued, whoever awaits them when.
 */
export const runOnPostgres =
  (sql: Pick<postgres.Sql, 'unsafe'>, prepare?: boolean): RunSql =>
  (text, params = []) =>
    sql.unsafe(text, params as never[], prepare === undefined ? undefined : { prepare }).execute();

/** Plain SQL on a PGlite database or transaction. */
export const runOnPglite =
  (q: Pick<PGliteInterface, 'query'>): RunSql =>
  async (text, params = []) =>
    (await q.query<SqlRow>(text, params)).rows;

/** COMMIT sent by the transaction itself (patches/postgres@3.4.9.patch): Postgres answers ROLLBACK when a statement before it failed. */
export async function commitOnPostgres(sql: object): Promise<void> {
  const result = await (sql as { commit(): Promise<{ command: string }> }).commit();
  if (result.command !== 'COMMIT') throw new Error(`the transaction ended in ${result.command}, not COMMIT`);
}

/** A transaction's statements and its commit, which closes it: a statement after the commit is a bug, refused. */
export function committable(run: RunSql, commit: () => Promise<void>): [RunSql, CommitSql] {
  let committed = false;
  return [
    (text, params) =>
      committed ? Promise.reject(new Error('a statement after the commit was asked for')) : run(text, params),
    () => {
      committed = true;
      return commit();
    },
  ];
}
