import type { SmsJob } from '@tekana/contracts';
import { SMS_JOB_OPTIONS, smsQueuePrefix } from '@tekana/sms';
import { type JobState, type JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expect, vi } from 'vitest';

/**
 * The server's side of the queue, built exactly as packages/api/src/ports/sms-queue.ts builds it
 * (queue options, prefix, job named by kind), so that these tests hold the worker to the producer's contract.
 */

/** Keeps the retry tests fast: the same exponential backoff, from 50 ms instead of 1 s. */
export const FAST_BACKOFF: JobsOptions = { backoff: { type: 'exponential', delay: 50 } };

export function createSmsProducer(redisUrl: string, redisPrefix: string, queueName: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, {
    connection,
    prefix: smsQueuePrefix(redisPrefix),
    defaultJobOptions: SMS_JOB_OPTIONS,
  });
  return {
    queue,
    /** Like the producer, but the job is not checked first, so a test can put a bad one on the queue. */
    async enqueue(job: SmsJob | Record<string, unknown>, options?: JobsOptions) {
      const added = await queue.add(String(job.kind), job, options);
      return added.id as string;
    },
    async waitForState(jobId: string, state: JobState, timeout = 10_000) {
      await vi.waitFor(async () => expect(await queue.getJobState(jobId)).toBe(state), {
        timeout,
        interval: 25,
      });
      const job = await queue.getJob(jobId);
      if (!job) throw new Error(`job ${jobId} vanished`);
      return job;
    },
    /** Failed jobs are kept on purpose, so a test run removes its own queue from Redis when done. */
    async close() {
      await queue.obliterate({ force: true });
      await queue.close();
      await connection.quit();
    },
  };
}
