import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isDatabaseUnavailable, isLostRace, isRefusedValue, uniqueViolation } from './postgres-errors';

// Real errors from the real Postgres, as the services meet them.
const sql = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
afterAll(() => sql.end({ timeout: 1 }));

const failure = (query: Promise<unknown>) =>
  query.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('what Postgres errors mean', () => {
  it('reads a backend terminated under us as the database being unavailable', async () => {
    const error = await failure(sql`select pg_terminate_backend(pg_backend_pid())`);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isRefusedValue(error)).toBe(false);
  });

  it('reads a refused connection as the database being unavailable', async () => {
    const nowhere = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 2 });
    const error = await failure(nowhere`select 1`);
    await nowhere.end({ timeout: 1 });
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('reads a write refused as read-only (25006) as the database being unavailable: a failover under way', async () => {
    const error = await failure(sql.begin('read only', (tx) => tx`create table never_made (k int)`));
    expect((error as { code?: string }).code).toBe('25006');
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isRefusedValue(error)).toBe(false);
  });

  it('reads "no host offers the session asked for" (08001, several hosts) as the database being unavailable', async () => {
    // The test's Postgres is a primary: asked for read-only sessions, neither of its two listings offers one.
    const url = new URL(inject('databaseUrl'));
    const host = `${url.hostname}:${url.port || 5432}`;
    const nowhere = postgres(inject('databaseUrl').replace(url.host, `${host},${host}`), {
      max: 1,
      target_session_attrs: 'read-only',
      onnotice: () => {},
    });
    const error = await failure(nowhere`select 1`);
    await nowhere.end({ timeout: 1 });
    expect((error as { code?: string }).code).toBe('08001');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('reads a data exception (class 22) as a refused value, wrapped or not', async () => {
    const error = await failure(sql`select ${'a\u0000b'}::text`);
    expect(isRefusedValue(error)).toBe(true);
    expect(isRefusedValue(new Error('wrapped', { cause: error }))).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('names the constraint of a unique violation', async () => {
    const error = await failure(
      sql.begin(async (tx) => {
        await tx`create temporary table t (k int constraint t_k_key unique)`;
        await tx`insert into t values (1), (1)`;
      }),
    );
    expect(uniqueViolation(error)).toBe('t_k_key');
    expect(uniqueViolation(new Error('other'))).toBeUndefined();
  });

  it('reads a deadlock as a lost race a fresh attempt resolves', () => {
    expect(isLostRace(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
    expect(isLostRace(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
});
