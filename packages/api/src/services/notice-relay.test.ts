import type { SmsJob } from '@tekana/contracts';
import { createDatabase, smsOutbox } from '@tekana/db';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import {
  createRecordingLogger,
  createRecordingSmsQueue,
  createTestbed,
  posting,
  type Testbed,
} from '../../test/ledger-testbed';
import type { SmsQueue } from '../ports/sms-queue';
import { createNoticeRelay } from './notice-relay';

// A database of this file's own: a relay moves every pending notice of its database.
const own = createOwnDataDir('relay');
const database = createDatabase({ dataDir: own.dataDir });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
  own.remove();
});

/** A queue that records jobs by id, as BullMQ does with a job id: the same id again is not a new job. */
function createIdQueue(): SmsQueue & { byId: Map<string, SmsJob>; adds: number; failing: boolean } {
  const queue = {
    byId: new Map<string, SmsJob>(),
    adds: 0,
    failing: false,
    async enqueue() {},
    async enqueueMany(jobs: { id: string; job: SmsJob }[]) {
      if (queue.failing) throw new Error('Connection is closed.');
      queue.adds++;
      for (const { id, job } of jobs) if (!queue.byId.has(id)) queue.byId.set(id, job);
    },
    async close() {},
  };
  return queue;
}

/** Notices still in the outbox: each leaves it in the transaction that queued it. */
async function pendingCount() {
  return (await database.db.select().from(smsOutbox)).length;
}

beforeEach(async () => {
  // Each test starts from an empty outbox: what an earlier test left is relayed away first.
  const drain = createNoticeRelay({
    database,
    smsQueue: createRecordingSmsQueue(),
    log: createRecordingLogger(),
  });
  drain.wake();
  await drain.settled();
});

describe('the outbox relay', () => {
  it('queues each notice of a committed posting once, in bulk, under its outbox id, and deletes it', async () => {
    const queue = createIdQueue();
    const relay = createNoticeRelay({
      database,
      smsQueue: queue,
      log: createRecordingLogger(),
      pollMs: 60_000,
    });
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const transfer = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 250, bed.ref()),
    );
    expect(await pendingCount()).toBeGreaterThanOrEqual(2);
    relay.start();
    await relay.settled();
    expect(await pendingCount()).toBe(0);
    const jobs = [...queue.byId.values()];
    expect(
      jobs
        .filter((j) => j.text.includes(transfer.referenceNumber))
        .map((j) => j.to)
        .sort(),
    ).toEqual([alice.customer.phoneNumber, bob.customer.phoneNumber].sort());
    expect([...queue.byId.keys()].every((id) => /^notice-\d+$/.test(id))).toBe(true);
    expect(queue.adds).toBe(1);
    // Nothing pending: a second round queues nothing again.
    relay.wake();
    await relay.settled();
    expect(queue.adds).toBe(1);
  });

  it('keeps notices in the outbox while the queue is down, warns once without the text, and sends them when it is back', async () => {
    const queue = createIdQueue();
    const log = createRecordingLogger();
    const relay = createNoticeRelay({ database, smsQueue: queue, log, pollMs: 60_000 });
    relay.start();
    queue.failing = true;
    const { customer, wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 700);
    for (let i = 0; i < 3; i++) {
      relay.wake();
      await relay.settled();
    }
    expect(await bed.balanceOf(wallet.id)).toBe(700);
    expect(await pendingCount()).toBeGreaterThan(0);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(JSON.stringify(log.lines)).not.toContain('Balance');

    queue.failing = false;
    relay.wake();
    await relay.settled();
    expect(await pendingCount()).toBe(0);
    const delivered = [...queue.byId.values()].filter((j) => j.to === customer.phoneNumber);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.text).toContain(deposit.referenceNumber);
  });

  it('relays what was committed before stop, and stops', async () => {
    const queue = createIdQueue();
    const relay = createNoticeRelay({ database, smsQueue: queue, log: createRecordingLogger() });
    relay.start();
    const { customer, wallet } = await bed.fundedCustomer(0);
    await bed.deposit(wallet.id, 300);
    await relay.stop();
    expect(await pendingCount()).toBe(0);
    expect([...queue.byId.values()].some((j) => j.to === customer.phoneNumber)).toBe(true);
  });
});
