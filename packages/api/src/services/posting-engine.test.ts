import { randomBytes } from 'node:crypto';
import { createDatabase, verifyLedger } from '@tekana/db';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createTestbed, outcomeOf, posting, refusalOf, type Testbed } from '../../test/ledger-testbed';
import { systemClock } from '../ports/clock';
import { referencesAt } from './generated-numbers';
import { createLimitPeriods } from './limit-periods';
import { createPostingEngine } from './posting-engine';
import { requestFingerprint } from './request-fingerprint';

// A pool, so that the engine's batch really runs beside the fixtures' own queries and held transactions.
const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '', maxConnections: 10 });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
});

async function postedUnder(externalReferenceNumber: string) {
  return (await bed.services.transactions.list(bed.admin, { externalReferenceNumber })).items;
}

/** A transaction type of this file's own, allowed on PERSONAL wallets, so a rule change here disturbs no other test. */
async function ownTransferType() {
  const code = `E_${randomBytes(5).toString('hex').toUpperCase()}`;
  const type = await bed.services.transactionTypes.create(bed.admin, {
    code,
    name: code,
    minimumAmount: 1,
    maximumAmount: 1_000_000,
    status: 'ACTIVE',
  });
  const personal = (await bed.services.walletTypes.list({ code: 'PERSONAL' })).items[0];
  if (!personal) throw new Error('no PERSONAL wallet type');
  const allow = (debitAllowed: boolean) =>
    bed.services.rules.set(bed.admin, {
      transactionTypeId: type.id,
      walletTypeId: personal.id,
      debitAllowed,
      creditAllowed: true,
    });
  await allow(true);
  return { code, allow };
}

/**
 * A transaction on another connection (another server, say) that does `work`, then stays open, holding
 * its locks and keeping its writes uncommitted, until `release`.
 */
async function heldTransaction(sql: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<unknown>) {
  let release = () => {};
  let ready = () => {};
  let pid = 0;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const done = sql.begin(async (tx) => {
    const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
    pid = row?.pid ?? 0;
    await work(tx);
    ready();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  await Promise.race([isReady, done]);
  return { release: () => release(), done, pid };
}

/** How many backends wait on the transaction of backend `pid`: on it, or behind another waiter in its queue. */
async function waitingBehind(sql: postgres.Sql, pid: number): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    with recursive blocked(pid) as (
      select pid from pg_stat_activity where ${pid}::int = any(pg_blocking_pids(pid))
      union
      select a.pid from pg_stat_activity a join blocked b on b.pid = any(pg_blocking_pids(a.pid))
    )
    select count(*)::int as n from blocked`;
  return row?.n ?? 0;
}

const WAIT = { timeout: 10_000, interval: 20 };

describe('postings that share a batch', () => {
  it('posts the transfers that fit in arrival order and refuses the one that no longer fits', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const send = (amount: number) =>
      outcomeOf(
        bed.services.ledger.post(
          alice.customer,
          posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
        ),
      );
    // All three are submitted in the same tick, so they land in one batch in this order.
    const outcomes = await Promise.all([send(60), send(60), send(30)]);
    expect(outcomes).toEqual(['OK', 'INSUFFICIENT_FUNDS', 'OK']);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(10);
    expect(await bed.balanceOf(bob.wallet.id)).toBe(90);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('posts two identical requests once and answers both with that posting', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 70, bed.ref());
    const [first, second] = await Promise.all([
      bed.services.ledger.post(alice.customer, request),
      bed.services.ledger.post(alice.customer, request),
    ]);
    expect(second).toEqual(first);
    expect(await postedUnder(request.externalReferenceNumber)).toHaveLength(1);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(30);
    expect(await bed.balanceOf(bob.wallet.id)).toBe(70);
  });

  it('posts the first of two different requests under one key and refuses the second with IDEMPOTENCY_CONFLICT', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const ref = bed.ref();
    const outcomes = await Promise.all([
      outcomeOf(
        bed.services.ledger.post(
          alice.customer,
          posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, ref),
        ),
      ),
      outcomeOf(
        bed.services.ledger.post(
          alice.customer,
          posting('TRANSFER', alice.wallet.id, bob.wallet.id, 20, ref),
        ),
      ),
    ]);
    expect(outcomes).toEqual(['OK', 'IDEMPOTENCY_CONFLICT']);
    const posted = await postedUnder(ref);
    expect(posted.map((t) => t.amount)).toEqual([10]);
    expect(await bed.balanceOf(bob.wallet.id)).toBe(10);
  });

  it('applies a rule changed between two postings to the next one, and again when it is set back', async () => {
    const { code, allow } = await ownTransferType();
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const send = () =>
      outcomeOf(
        bed.services.ledger.post(
          alice.customer,
          posting(code, alice.wallet.id, bob.wallet.id, 10, bed.ref()),
        ),
      );
    expect(await send()).toBe('OK');
    await allow(false);
    expect(await send()).toBe('DEBIT_NOT_ALLOWED');
    await allow(true);
    expect(await send()).toBe('OK');
    expect(await bed.balanceOf(alice.wallet.id)).toBe(80);
  });

  it('posts 200 payments from 200 customers to one merchant, its balance the sum of them all', async () => {
    const merchantOwner = await bed.makeCustomer();
    const merchant = await bed.openWallet(merchantOwner, 'MERCHANT');
    const payers = await Promise.all(Array.from({ length: 200 }, (_, i) => bed.fundedCustomer(100 + i)));
    const outcomes = await Promise.all(
      payers.map((payer, i) =>
        outcomeOf(
          bed.services.ledger.post(
            payer.customer,
            posting('PAYMENT', payer.wallet.id, merchant.id, 100 + i, bed.ref()),
          ),
        ),
      ),
    );
    expect(outcomes.filter((o) => o !== 'OK')).toEqual([]);
    const sum = payers.reduce((total, _, i) => total + 100 + i, 0);
    expect(await bed.balanceOf(merchant.id)).toBe(sum);
    const left = await Promise.all(payers.map((p) => bed.balanceOf(p.wallet.id)));
    expect(left.every((b) => b === 0)).toBe(true);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('refuses an atomic bulk as a whole without disturbing the postings that share its batch', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(100);
    const carol = await bed.fundedCustomer(0);
    const bulk = bed.services.ledger.postMany(alice.customer, {
      atomic: true,
      transactions: [
        posting('TRANSFER', alice.wallet.id, carol.wallet.id, 50, bed.ref()),
        posting('TRANSFER', alice.wallet.id, carol.wallet.id, 60, bed.ref()),
      ],
    });
    const single = bed.services.ledger.post(
      bob.customer,
      posting('TRANSFER', bob.wallet.id, carol.wallet.id, 40, bed.ref()),
    );
    // Submitted after the bulk in the same tick: it must see alice's 100, not the undone 50.
    const afterIt = bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, carol.wallet.id, 100, bed.ref()),
    );
    const refusal = await refusalOf(bulk);
    expect(refusal).toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { index: 1 } });
    expect(await outcomeOf(single)).toBe('OK');
    expect(await outcomeOf(afterIt)).toBe('OK');
    expect(await bed.balanceOf(alice.wallet.id)).toBe(0);
    expect(await bed.balanceOf(carol.wallet.id)).toBe(140);
  });

  it('fails only the posting whose value the database refuses, and posts the others of its batch', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const send = (amount: number, statusMessage?: string) =>
      bed.services.ledger.post(alice.customer, {
        ...posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
        statusMessage,
      });
    // Postgres text cannot hold a NUL byte: the batch's transaction fails, and each posting is tried alone.
    const [first, poisoned, last] = await Promise.allSettled([send(10), send(20, 'bad\u0000byte'), send(30)]);
    expect(first.status).toBe('fulfilled');
    expect(poisoned.status === 'rejected' && poisoned.reason).toMatchObject({ code: 'BAD_REQUEST' });
    expect(last.status).toBe('fulfilled');
    expect(await bed.balanceOf(bob.wallet.id)).toBe(40);
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});

describe('a database that stops answering', () => {
  // One batch in flight is the default; two overlap their round trips and queue on the wallets they share.
  it.each([1, 2])(
    'refuses postings past the waiting limit at once with 503, and posts the ones it accepted once it answers (batches in flight: %i)',
    async (batchesInFlight) => {
      const alice = await bed.fundedCustomer(1_000);
      const bob = await bed.fundedCustomer(0);
      const engine = createPostingEngine({
        database,
        newReferences: referencesAt,
        clock: systemClock,
        limitPeriods: createLimitPeriods('Africa/Kigali'),
        maxWaitingPostings: 3,
        ...(batchesInFlight === 1 ? {} : { batchesInFlight }),
      });
      const submit = () => {
        const input = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, bed.ref());
        const request = {
          actor: alice.customer,
          input,
          requestHash: requestFingerprint(alice.customer, input),
        };
        return engine.submit({ requests: [request], atomic: false });
      };
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

      // Another transaction holds Alice's wallet: every batch in flight waits on its lock.
      const sql = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
      const holder = await heldTransaction(
        sql,
        (tx) => tx`select id from wallets where id = ${alice.wallet.id} for update`,
      );
      try {
        const inFlight = [];
        for (let i = 0; i < batchesInFlight; i++) {
          inFlight.push(submit());
          await nextTurn();
        }
        const waiting = [submit(), submit(), submit()];
        expect(await outcomeOf(submit())).toBe('SERVICE_UNAVAILABLE');
        // As many batches as may be in flight wait on the lock; the other postings wait in the engine.
        await vi.waitFor(
          async () => expect(await waitingBehind(sql, holder.pid)).toBe(batchesInFlight),
          WAIT,
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await waitingBehind(sql, holder.pid)).toBe(batchesInFlight);

        holder.release();
        await holder.done;
        const results = (await Promise.all([...inFlight, ...waiting])).flat();
        expect(results.map((r) => r.ok)).toEqual(Array(batchesInFlight + 3).fill(true));
        expect(await bed.balanceOf(bob.wallet.id)).toBe(10 * (batchesInFlight + 3));
      } finally {
        holder.release();
        await sql.end();
      }
    },
  );
});

describe('a key another server takes', () => {
  it('meets a key another server took while its batch was in flight: retries, and answers as the key’s posting says', async () => {
    const [alice, bob, carol, dan] = await Promise.all([100, 0, 100, 0].map((b) => bed.fundedCustomer(b)));
    if (!alice || !bob || !carol || !dan) throw new Error('no customers');
    const key = bed.ref();
    const carols = posting('TRANSFER', carol.wallet.id, dan.wallet.id, 20, key);
    // Another server's posting under the key: written, and not committed until this test says so.
    const sql = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
    const otherServer = await heldTransaction(sql, async (tx) => {
      const [type] = await tx`select id from transaction_types where code = 'TRANSFER'`;
      const [debited] = await tx`update wallets set current_balance = current_balance - 20
        where id = ${carol.wallet.id} returning current_balance`;
      const [credited] = await tx`update wallets set current_balance = current_balance + 20
        where id = ${dan.wallet.id} returning current_balance`;
      const [row] = await tx`insert into transactions (reference_number, external_reference_number,
          request_hash, transaction_type_id, channel_type, debited_wallet_id, credited_wallet_id, amount,
          currency_code, debited_wallet_balance, credited_wallet_balance, status)
        values (${`TX-OTHER-${key}`}, ${key}, ${requestFingerprint(carol.customer, carols)}, ${type?.id},
          'APP', ${carol.wallet.id}, ${dan.wallet.id}, 20, 'RWF', ${debited?.current_balance},
          ${credited?.current_balance}, 'COMPLETED')
        returning id, created_at`;
      await tx`insert into posting_keys (external_reference_number, reference_number, transaction_id, created_at)
        values (${key}, ${`TX-OTHER-${key}`}, ${row?.id}, ${row?.created_at})`;
    });
    try {
      // Alice's batch finds no committed key, writes its own, and waits on the other server's.
      const alices = bed.services.ledger.post(
        alice.customer,
        posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, key),
      );
      const outcome = outcomeOf(alices);
      await vi.waitFor(async () => expect(await waitingBehind(sql, otherServer.pid)).toBe(1), WAIT);
      otherServer.release();
      await otherServer.done;
      // Its key taken, the batch retried and found the other server's posting: another request under it.
      expect(await outcome).toBe('IDEMPOTENCY_CONFLICT');
      expect(await bed.balanceOf(alice.wallet.id)).toBe(100);
      // Carol's own request again, through the engine: the other server's posting, not a second one.
      const replay = await bed.services.ledger.post(carol.customer, carols);
      expect(replay.referenceNumber).toBe(`TX-OTHER-${key}`);
      expect(await postedUnder(key)).toHaveLength(1);
      expect(await bed.balanceOf(dan.wallet.id)).toBe(20);
      expect(await verifyLedger(database.db)).toEqual([]);
    } finally {
      otherServer.release();
      await otherServer.done.catch(() => undefined);
      await sql.end();
    }
  });
});
