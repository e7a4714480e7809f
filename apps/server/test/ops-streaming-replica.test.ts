import { randomBytes } from 'node:crypto';
import type { Page, Transaction, TransactionCreateInput, Wallet } from '@tekana/contracts';
import { createDatabase, verifyLedger } from '@tekana/db';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createAdminAndSignIn,
  floatWallet,
  registerAndSignIn,
  type SignedIn,
  type TestServer,
  useTestServer,
} from './harness';
import { type OwnPostgres, startOwnPostgres, startOwnStandby } from './own-postgres';

// The replica replays each commit this long after the primary made it: a lag that is always there.
const REPLAY_DELAY_MS = 2_000;

const ids = (items: { id: string }[]) => items.map((item) => item.id);

/**
 * A real streaming replica: a primary of our own, a hot standby copied from it with `pg_basebackup` and
 * replaying its WAL 2 s late, and the server (two of them, as behind a load balancer) with
 * DATABASE_URL = the primary and DATABASE_REPLICA_URLS = the standby. Where a test must know what the
 * replica holds, it pauses the replay (`pg_wal_replay_pause()`) rather than race the delay.
 */
describe('on a streaming replica of its own, replaying 2 s late', () => {
  let primary: OwnPostgres;
  let replica: OwnPostgres;
  let onPrimary: postgres.Sql;
  let onReplica: postgres.Sql;
  beforeAll(async () => {
    primary = await startOwnPostgres({ wal_level: 'replica', max_wal_senders: '4' });
    primary.createDatabase('tekana');
    replica = await startOwnStandby(primary, { recovery_min_apply_delay: `${REPLAY_DELAY_MS}ms` });
    onPrimary = postgres(primary.url('tekana'), { max: 1, onnotice: () => {} });
    onReplica = postgres(replica.url('tekana'), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    try {
      await onPrimary?.end();
      await onReplica?.end({ timeout: 1 });
      if (primary) {
        const database = createDatabase({ databaseUrl: primary.url('tekana'), dataDir: '' });
        expect(await verifyLedger(database.db).finally(() => database.close())).toEqual([]);
      }
    } finally {
      replica?.close();
      primary?.close();
    }
  });

  const env = () => ({
    DATABASE_URL: primary.url('tekana'),
    DATABASE_REPLICA_URLS: replica.url('tekana'),
    // Longer than the test: the writers here stay writers throughout.
    DATABASE_READ_YOUR_WRITES_SECONDS: '120',
  });
  const server = useTestServer(env);
  // A second server on the same databases and Redis: a caller's next request may reach it instead.
  const other = useTestServer(
    () => ({
      ...env(),
      REDIS_PREFIX: server.env.REDIS_PREFIX ?? '',
      SMS_QUEUE_NAME: server.env.SMS_QUEUE_NAME ?? '',
      JWT_SECRET: server.env.JWT_SECRET ?? '',
    }),
    { worker: false },
  );

  /** Until the replica has replayed everything the primary has written so far. */
  async function replicaCaughtUp() {
    const [{ lsn } = { lsn: '' }] = await onPrimary<
      { lsn: string }[]
    >`select pg_current_wal_lsn()::text as lsn`;
    await vi.waitFor(
      async () => {
        const [row] = await onReplica`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as done`;
        expect(row?.done).toBe(true);
      },
      { timeout: 20_000, interval: 50 },
    );
  }
  async function withReplayPaused(work: () => Promise<void>) {
    await onReplica`select pg_wal_replay_pause()`;
    try {
      await work();
    } finally {
      await onReplica`select pg_wal_replay_resume()`;
    }
  }

  async function list<T extends { id: string }>(on: TestServer, path: string, caller: SignedIn) {
    const answer = await on.rest<Page<T>>('GET', path, undefined, caller.token);
    expect(answer.status).toBe(200);
    return ids(answer.body.data.items);
  }
  async function openWallet(caller: SignedIn): Promise<Wallet> {
    const body = { walletTypeCode: 'PERSONAL', currencyCode: 'RWF' };
    const opened = await server.rest<Wallet>('POST', '/wallets', body, caller.token);
    expect(opened.status).toBe(201);
    return opened.body.data;
  }
  type Posting = Omit<TransactionCreateInput, 'externalReferenceNumber' | 'channelType'>;
  async function post(caller: SignedIn, input: Posting) {
    const body = { externalReferenceNumber: `replica-${randomBytes(6).toString('hex')}`, ...input };
    const posted = await server.rest<Transaction>('POST', '/transactions', body, caller.token);
    expect(posted.status).toBe(201);
    return posted.body.data;
  }

  let admin: SignedIn;
  // An admin who never writes: sees what the replica holds.
  let observer: SignedIn;
  let aline: SignedIn;
  let floatId: string;
  beforeAll(async () => {
    admin = await createAdminAndSignIn(server);
    observer = await createAdminAndSignIn(server);
    aline = await registerAndSignIn(server);
    // The schema the server migrated, and everyone above, replayed before anyone reads from the replica.
    await replicaCaughtUp();
    floatId = (await floatWallet(server, admin)).id;
  });

  it('keeps the replica a read-only hot standby, and writes on the primary', async () => {
    const [standby] = await onReplica`select pg_is_in_recovery() as recovering`;
    expect(standby?.recovering).toBe(true);
    await expect(onReplica`create table refused (id int)`).rejects.toMatchObject({ code: '25006' });
    const wallet = await openWallet(aline);
    expect(await onPrimary`select id from wallets where id = ${wallet.id}`).toHaveLength(1);
  });

  it('serves a caller who wrote nothing from the replica, and a writer their own write at once', async () => {
    let wallet: Wallet | undefined;
    await withReplayPaused(async () => {
      wallet = await openWallet(aline);
      const alines = `/wallets?customerId=${aline.customer.id}`;
      expect(await list(server, alines, observer)).not.toContain(wallet.id);
      const byId = await server.rest('GET', `/wallets/${wallet.id}`, undefined, observer.token);
      expect(byId.status).toBe(404);
      expect(await list(server, '/wallets', aline)).toContain(wallet.id);
    });
    // Replayed (2 s after its commit), the wallet reaches the observer, still served by the replica.
    await vi.waitFor(
      async () => {
        expect(await list(server, `/wallets?customerId=${aline.customer.id}`, observer)).toContain(
          wallet?.id,
        );
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('shows a customer their new wallet and posting at once, although the replica is 2 s behind', async () => {
    const spending = await openWallet(aline);
    const saving = await openWallet(aline);
    expect(await list(server, '/wallets', aline)).toEqual(expect.arrayContaining([spending.id, saving.id]));
    const deposit = await post(admin, {
      transactionTypeCode: 'DEPOSIT',
      debitedWalletId: floatId,
      creditedWalletId: spending.id,
      amount: 50_000,
    });
    const transfer = await post(aline, {
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: spending.id,
      creditedWalletId: saving.id,
      amount: 1_500,
    });

    const seen = await list(server, '/transactions', aline);
    expect(seen).toEqual(expect.arrayContaining([transfer.id, deposit.id]));
    const byId = await server.rest<Transaction>(
      'GET',
      `/transactions/${transfer.id}`,
      undefined,
      aline.token,
    );
    expect(byId.status).toBe(200);
    const savingNow = await server.rest<Wallet>('GET', `/wallets/${saving.id}`, undefined, aline.token);
    expect(savingNow.body.data.currentBalance).toBe(1_500);
    // Read after Aline's reads: the replica did not have the posting then either.
    expect(await onReplica`select id from transactions where id = ${transfer.id}`).toHaveLength(0);
  });

  it('shows a customer who just registered their own record once signed in: registering was their write', async () => {
    await withReplayPaused(async () => {
      const bosco = await registerAndSignIn(server);
      expect(await list(server, '/customers', bosco)).toEqual([bosco.customer.id]);
      expect(await list(server, `/customers?id=${bosco.customer.id}`, observer)).toEqual([]);
    });
  });

  it('shows a writer their write at once on another server too: the position travels through Redis', async () => {
    await withReplayPaused(async () => {
      const wallet = await openWallet(aline);
      expect(await list(other, '/wallets', aline)).toContain(wallet.id);
      // That server reads the others from the paused replica, which lacks the wallet.
      expect(await list(other, `/wallets?customerId=${aline.customer.id}`, observer)).not.toContain(
        wallet.id,
      );
    });
  });

  it("sends a writer's reads back to the replica once it has replayed their writes", async () => {
    await replicaCaughtUp();
    await withReplayPaused(async () => {
      // The admin's deposit, which Aline did not make, lands after the replica stopped replaying.
      const [spending] = await list<Wallet>(server, '/wallets', aline);
      const deposit = await post(admin, {
        transactionTypeCode: 'DEPOSIT',
        debitedWalletId: floatId,
        creditedWalletId: spending ?? '',
        amount: 700,
      });
      // Aline, a writer still, reads from the replica, which holds all she wrote but not the new deposit...
      expect(await list(server, '/transactions', aline)).not.toContain(deposit.id);
      // ...and the admin, whose deposit it lacks, from the primary.
      expect(await list(server, '/transactions', admin)).toContain(deposit.id);
    });
  });

  it('reads a writer from the primary while the replica is down, and answers others 503', async () => {
    replica.crash();
    const wallet = await openWallet(aline);
    expect(await list(server, '/wallets', aline)).toContain(wallet.id);
    const unavailable = await server.rest('GET', '/wallets', undefined, observer.token);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.data).toEqual({ code: 'SERVICE_UNAVAILABLE' });
  });
});
