import { setTimeout as sleep } from 'node:timers/promises';
import type { Transaction } from '@tekana/contracts';
import type postgres from 'postgres';
import { expect } from 'vitest';
import type { FakeSmsGateway } from '../../../../test/fake-sms-gateway';
import { expectEachNoticeOnce } from '../notices';
import type { ServerProcess } from '../server-process';
import type { SpawnedProcess } from '../spawned-process';
import { runTsx } from '../spawned-process';
import { type Attempt, DEADLINE_SLACK_MS, REQUEST_TIMEOUT_MS, sendPosting } from './posting-load';

/**
 * The promises the ledger keeps through a fault, as the fault tests check them: every answer in time
 * and a 201 or a 503, every unacknowledged posting replayed under its key to exactly one posting, the
 * rows as their callers were told, `pnpm verify` passing, and the server still running.
 */

/** Every answer a 201 or a 503 (never a 500), none left waiting, none later than `deadlineMs`. */
export function expectAnswersInTime(attempts: Attempt[], deadlineMs: number) {
  const answered = attempts.filter((a) => typeof a.outcome === 'number');
  expect(answered.filter((a) => a.outcome !== 201 && a.outcome !== 503).map((a) => a.outcome)).toEqual([]);
  expect(attempts.filter((a) => a.outcome === 'timeout').length, 'calls left waiting past the deadline').toBe(
    0,
  );
  const slowest = Math.max(...answered.map((a) => a.ms));
  expect(slowest).toBeLessThanOrEqual(deadlineMs);
}

/** Every unacknowledged attempt sent again under its key until answered 201: the client's recovery. */
export async function replayUnacknowledged(
  base: string,
  token: string,
  attempts: Attempt[],
): Promise<Transaction[]> {
  const postings: Transaction[] = [];
  for (const attempt of attempts) {
    let answer = attempt;
    for (let tries = 0; answer.outcome !== 201 && tries < 50; tries++) {
      if (tries > 0) await sleep(200);
      answer = await sendPosting({ base, token, clientTimeoutMs: 10_000 }, attempt.body);
    }
    expect(answer.outcome, `replay of ${attempt.body.externalReferenceNumber}`).toBe(201);
    if (attempt.posting) expect(answer.posting?.id ?? attempt.posting.id).toBe(attempt.posting.id);
    postings.push(answer.posting as Transaction);
  }
  return postings;
}

/** Acknowledged or replayed, each key names exactly one row, and it is the one its caller was given. */
export async function expectEachKeyPostedOnce(
  ledger: postgres.Sql,
  attempts: Attempt[],
  postings: Transaction[],
) {
  const keys = attempts.map((a) => a.body.externalReferenceNumber);
  const rows = await ledger<{ key: string; id: string; n: number }[]>`
    select external_reference_number as key, min(id::text) as id, count(*)::int as n
    from transactions where external_reference_number = any(${keys}) group by 1`;
  expect(rows.length).toBe(keys.length);
  expect(rows.filter((r) => r.n !== 1)).toEqual([]);
  const idByKey = new Map(rows.map((r) => [r.key, r.id]));
  expect(postings.filter((p) => idByKey.get(p.externalReferenceNumber) !== p.id)).toEqual([]);
}

/** `pnpm verify` on the database at `databaseUrl` finds nothing wrong. */
export async function expectLedgerVerified(databaseUrl: string) {
  const verify = await runTsx('apps/server/src/cli/verify.ts', [], {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
  });
  expect(verify.stderr).toBe('');
  expect(verify.code).toBe(0);
}

/** The server went through the fault without exiting by itself. */
export function expectStillRunning(server: SpawnedProcess) {
  expect(server.child.exitCode, `server exited by itself:\n${server.stderr()}`).toBeNull();
  expect(server.child.signalCode).toBeNull();
}

/**
 * Every promise after a fault: answers in time, each key posted once on `ledger` (the unacknowledged
 * replayed), `pnpm verify` passing on `databaseUrl`, with `notices` every posting's notices at the gateway
 * once, and the server still running.
 */
export async function expectNothingLost(
  attempts: Attempt[],
  after: {
    server: ServerProcess;
    token: string;
    ledger: postgres.Sql;
    databaseUrl: string;
    notices?: { gateway: FakeSmsGateway; floatId: string };
  },
) {
  expectAnswersInTime(attempts, REQUEST_TIMEOUT_MS + DEADLINE_SLACK_MS);
  const postings = await replayUnacknowledged(after.server.base, after.token, attempts);
  await expectEachKeyPostedOnce(after.ledger, attempts, postings);
  await expectLedgerVerified(after.databaseUrl);
  if (after.notices)
    await expectEachNoticeOnce(after.notices.gateway, postings, after.notices.floatId, 60_000);
  expectStillRunning(after.server);
}
