import { type SmsJob, smsJobSchema } from '@tekana/contracts';
import { SMS_JOB_OPTIONS, type SmsProvider, smsJobPriority, smsQueuePrefix } from '@tekana/sms';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from './logger';

/** Where an SMS goes after the domain decides to send it. */
export interface SmsQueue {
  enqueue(job: SmsJob): Promise<void>;
  /** Queues several jobs in one round trip; a job whose id is already queued is not queued again. */
  enqueueMany(jobs: { id: string; job: SmsJob }[]): Promise<void>;
  close(): Promise<void>;
}

/** Production: a BullMQ job that `pnpm worker` delivers. The connection must not queue commands offline. */
export function createBullmqSmsQueue(connection: Redis, queueName: string, prefix: string): SmsQueue {
  const queue = new Queue<SmsJob>(queueName, {
    connection,
    prefix: smsQueuePrefix(prefix),
    defaultJobOptions: SMS_JOB_OPTIONS,
  });
  return {
    async enqueue(job) {
      await queue.add(job.kind, smsJobSchema.parse(job), { priority: smsJobPriority(job.kind) });
    },
    async enqueueMany(jobs) {
      await queue.addBulk(
        jobs.map(({ id, job }) => ({
          name: job.kind,
          data: smsJobSchema.parse(job),
          opts: { jobId: id, priority: smsJobPriority(job.kind) },
        })),
      );
    },
    async close() {
      await queue.close();
    },
  };
}

/** Embedded mode: delivered in-process through the same provider, after the request, never blocking it. */
export function createInProcessSmsQueue(provider: SmsProvider, log: Logger): SmsQueue {
  const pending = new Set<Promise<void>>();
  const queue: SmsQueue = {
    async enqueueMany(jobs) {
      for (const { job } of jobs) await queue.enqueue(job);
    },
    async enqueue(job) {
      const parsed = smsJobSchema.parse(job);
      const delivery = deliverWithRetry(provider, parsed, SMS_JOB_OPTIONS.attempts)
        .catch((error: unknown) => log.error({ err: error, kind: parsed.kind }, 'SMS delivery failed'))
        .finally(() => pending.delete(delivery));
      pending.add(delivery);
    },
    async close() {
      await Promise.allSettled([...pending]);
    },
  };
  return queue;
}

async function deliverWithRetry(provider: SmsProvider, job: SmsJob, attempts: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await provider.send(job);
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, SMS_JOB_OPTIONS.backoff.delay * 2 ** (attempt - 1)));
    }
  }
}
