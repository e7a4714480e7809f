import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Creates this run's own database on the real Postgres (TEST_POSTGRES_URL, default the local server),
 * and names this run's Redis prefix and SMS queue, then hands them to every test file. After the whole
 * suite, `pnpm verify` must pass on everything the tests posted; the database is dropped only then.
 */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `tekana_test_${runId}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  project.provide('databaseUrl', url.toString());
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('redisUrl', process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  project.provide('runId', runId);

  return async () => {
    await deleteRedisKeys(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', `test:${runId}:*`);
    const verify = spawnSync(`${repoRoot}node_modules/.bin/tsx`, ['apps/server/src/cli/verify.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    process.stdout.write(
      `\npnpm verify on this run's database (${database}):\n${verify.stdout}${verify.stderr}`,
    );
    if (verify.status !== 0) {
      await admin.end();
      throw new Error(`pnpm verify failed after the suite; database ${database} kept for inspection`);
    }
    await admin.unsafe(`drop database ${database} with (force)`);
    await admin.end();
  };
}

/** Redis keeps this run's OTPs, limits and queues under its own prefix; nothing of them outlives the run. */
async function deleteRedisKeys(redisUrl: string, pattern: string) {
  const redis = new Redis(redisUrl);
  try {
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}
