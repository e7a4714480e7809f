import { randomBytes } from 'node:crypto';
import type { SmsJob } from '@tekana/contracts';
import { smsQueuePrefix } from '@tekana/sms';
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createBullmqSmsQueue } from './sms-queue';

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
const prefix = `test:${inject('runId')}:`;
afterAll(() => redis.disconnect());

describe('the BullMQ SMS queue', () => {
  it('serves a one-time code before the posting notices queued ahead of it', async () => {
    const queueName = `sms-priority-${randomBytes(4).toString('hex')}`;
    const queue = createBullmqSmsQueue(redis, queueName, prefix);
    const notice = (i: number) => ({
      id: `notice-${i}`,
      job: { to: '+250788000001', kind: 'CREDIT_NOTICE', text: `notice ${i}` } satisfies SmsJob,
    });
    await queue.enqueueMany(Array.from({ length: 20 }, (_, i) => notice(i)));
    await queue.enqueue({ to: '+250788000002', kind: 'OTP', text: 'Your Tekana code is 123456' });

    const served: string[] = [];
    const worker = new Worker<SmsJob>(
      queueName,
      async (job: Job<SmsJob>) => {
        served.push(job.data.kind);
      },
      { connection: redis.duplicate(), prefix: smsQueuePrefix(prefix), concurrency: 1 },
    );
    try {
      await expect.poll(() => served.length, { timeout: 10_000 }).toBe(21);
      expect(served[0]).toBe('OTP');
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('queues a notice once, however often the relay hands it over under the same id', async () => {
    const queueName = `sms-once-${randomBytes(4).toString('hex')}`;
    const queue = createBullmqSmsQueue(redis, queueName, prefix);
    const job = { to: '+250788000001', kind: 'DEBIT_NOTICE', text: 'debited' } satisfies SmsJob;
    await queue.enqueueMany([{ id: 'notice-7', job }]);
    await queue.enqueueMany([{ id: 'notice-7', job }]);
    const keys = await redis.keys(`${smsQueuePrefix(prefix)}:${queueName}:notice-*`);
    expect(keys).toEqual([`${smsQueuePrefix(prefix)}:${queueName}:notice-7`]);
    await queue.close();
  });
});
