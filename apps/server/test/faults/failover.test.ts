import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase, isDatabaseUnavailable } from '@tekana/db';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../../test/fake-sms-gateway';
import { startOwnPostgres } from '../own-postgres';
import {
  adminToken,
  floatWalletOf,
  productionEnv,
  type ServerProcess,
  spawnSource,
  startServerProcess,
} from '../server-process';
import { expectNothingLost } from './ledger-promises';
import { type OwnFormation, startOwnFormation } from './own-formation';
import {
  faultLoad,
  fundedLoadWallets,
  type PostingLoad,
  REQUEST_TIMEOUT_MS,
  underLoad,
} from './posting-load';

/**
 * Failover (`pnpm test:faults`): a pg_auto_failover formation of this file's own (a monitor, a primary
 * and its synchronous secondary), the real server as a process on the URL that lists both nodes, and 32
 * clients posting while the primary dies. The secondary takes over, the same server process goes on,
 * every acknowledged posting is on the new primary once, every unacknowledged one replays under its key
 * to exactly one posting, and `pnpm verify` passes there.
 */
/**
 * How soon the monitor gives up on the primary and promotes the secondary. pg_auto_failover's defaults
 * (health checks every 5 s, unhealthy after 20 s without a report, then 30 s for the old primary to
 * drain) take about 50 s: right for a network that hiccups, long for a test.
 */
const MONITOR_SETTINGS = {
  health_check_period: 1_000,
  health_check_timeout: 1_000,
  health_check_max_retries: 1,
  health_check_retry_delay: 500,
  node_considered_unhealthy_timeout: 3_000,
  primary_demote_timeout: 3_000,
};

let formation: OwnFormation;
let gateway: FakeSmsGateway;
let server: ServerProcess;
let token: string;
let floatId: string;
let walletIds: string[];

beforeAll(async () => {
  formation = await startOwnFormation({ database: 'tekana', monitorSettings: MONITOR_SETTINGS });
  expect(await formation.waitForPrimaryAndSecondary()).toEqual({ primary: 'a', secondary: 'b' });
  gateway = await startFakeSmsGateway({ username: 'tekana', password: 'gateway-secret' });
  const env = {
    ...productionEnv({ databaseUrl: formation.url(), redisUrl: inject('redisUrl'), gateway }),
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  };
  server = await startServerProcess(env);
  // Only to deliver the admin's sign-in code: this file checks postings, not their notices.
  const worker = spawnSource('apps/sms-worker/src/main.ts', env);
  try {
    token = await adminToken(server.base, formation.url(), gateway);
  } finally {
    await worker.kill();
  }
  floatId = (await floatWalletOf(server.base, token)).id;
  walletIds = await fundedLoadWallets(server.base, token, floatId);
}, 180_000);

afterAll(async () => {
  await server?.kill();
  await gateway?.close();
  await formation?.close();
});

/** Milliseconds from `since` to the first 201 answering a posting sent after it. */
async function firstAcknowledgementAfter(load: PostingLoad, since: number, timeoutMs: number) {
  for (;;) {
    const first = load.attempts().find((a) => a.outcome === 201 && a.sentAt >= since);
    if (first) return first.sentAt + first.ms - since;
    if (Date.now() - since > timeoutMs) throw new Error(`no posting acknowledged within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Milliseconds from `since` until the node at `url` takes writes (promoted, and no longer held read-only). */
async function writableAfter(url: string, since: number, timeoutMs: number) {
  const node = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (;;) {
      const [row] = await node<
        { readOnly: string }[]
      >`select current_setting('transaction_read_only') as "readOnly"`;
      if (row?.readOnly === 'off') return Date.now() - since;
      if (Date.now() - since > timeoutMs) throw new Error(`${url} took no writes within ${timeoutMs} ms`);
      await sleep(20);
    }
  } finally {
    await node.end();
  }
}

/** A write in a transaction of its own through `database`, answering which node took it. */
const writeOn = (database: ReturnType<typeof createDatabase>) =>
  database.transact(async (run) => {
    await run('create temporary table if not exists written (k int)');
    const [row] = await run('select inet_server_port() as port');
    return Number(row?.port);
  });

describe('a pool of read-write sessions over several hosts', () => {
  it('connects past a standby listed first, to the primary', async () => {
    const database = createDatabase({
      databaseUrl: formation.url(['b', 'a']),
      dataDir: '',
      maxConnections: 4,
    });
    try {
      const ports = await Promise.all(Array.from({ length: 8 }, () => writeOn(database)));
      const primaryPort = Number(new URL(formation.nodeUrl('a')).port);
      expect(ports).toEqual(ports.map(() => primaryPort));
    } finally {
      await database.close();
    }
  });

  it('drops a session whose node stops taking writes, and writes on the next host', async () => {
    const [first, second] = await Promise.all([startOwnPostgres(), startOwnPostgres()]);
    const databaseUrl = `postgres://postgres@127.0.0.1:${first.port},127.0.0.1:${second.port}/postgres?target_session_attrs=read-write`;
    const database = createDatabase({ databaseUrl, dataDir: '', maxConnections: 1 });
    const admin = postgres(first.url(), { max: 1, onnotice: () => {} });
    try {
      expect(await writeOn(database)).toBe(first.port);
      // What a primary being demoted does: its sessions' transactions turn read-only.
      await admin`alter system set default_transaction_read_only = on`;
      await admin`select pg_reload_conf()`;
      // A new session sees it once the postmaster has reloaded and signalled the others to.
      const readOnly = postgres(first.url(), { max: 1, idle_timeout: 1, onnotice: () => {} });
      while ((await readOnly`show default_transaction_read_only`)[0]?.default_transaction_read_only !== 'on')
        await sleep(50);
      await readOnly.end();
      await sleep(100);
      const refused = await writeOn(database).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isDatabaseUnavailable(refused), String(refused)).toBe(true);
      expect(await writeOn(database)).toBe(second.port);
    } finally {
      await admin.end();
      await database.close();
      first.close();
      second.close();
    }
  });
});

describe('under 32 concurrent posters', () => {
  it('moves to the secondary when the primary is killed -9, in the same server process, losing nothing', async () => {
    const pid = server.child.pid;
    const load = faultLoad({ base: server.base, token, floatId, walletIds });
    const explain = () =>
      `formation: ${formation.state()}\nserver: ${server.stderr().slice(-3000)}\n${formation.logs()}`;
    const attempts = await underLoad(
      load,
      async (posting) => {
        const killedAt = Date.now();
        formation.kill('a');
        const [writableMs, recoveredMs] = await Promise.all([
          writableAfter(formation.nodeUrl('b'), killedAt, 120_000),
          firstAcknowledgementAfter(posting, killedAt, 120_000),
        ]);
        console.log(
          `failover: recovered in ${recoveredMs} ms (primary killed -9 → first 201 of a posting sent after; ` +
            `the secondary took writes after ${writableMs} ms)`,
        );
        // The monitor decides when the secondary takes writes; the server's part is to follow it at once.
        expect(recoveredMs - writableMs).toBeLessThan(2_500);
        // The old primary comes back as the new one's secondary, and the server's connections start again,
        // each trying the hosts from where it left off: none may settle on the standby.
        formation.run('a');
        expect(await formation.waitForPrimaryAndSecondary(), explain()).toEqual({
          primary: 'b',
          secondary: 'a',
        });
        const newPrimary = postgres(formation.nodeUrl('b'), { max: 1, onnotice: () => {} });
        await newPrimary`select pg_terminate_backend(pid) from pg_stat_activity
          where datname = 'tekana' and backend_type = 'client backend' and pid <> pg_backend_pid()`;
        await newPrimary.end();
      },
      explain,
    );
    expect(server.child.pid).toBe(pid);
    const newPrimary = postgres(formation.nodeUrl('b'), { max: 2, onnotice: () => {} });
    try {
      await expectNothingLost(attempts, {
        server,
        token,
        ledger: newPrimary,
        databaseUrl: formation.nodeUrl('b'),
      });
    } finally {
      await newPrimary.end();
    }
  }, 180_000);
});
