import { type SmsJob, smsJobSchema } from '@tekana/contracts';
import { type SmsProvider, smsQueuePrefix } from '@tekana/sms';
import { type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { failureReason, smsLogFields } from './sms-log';

export type SmsWorkerOptions = {
  redisUrl: string;
  /** REDIS_PREFIX, as the server has it. */
  redisPrefix: string;
  queueName: string;
  provider: SmsProvider;
  concurrency: number;
  ratePerSecond: number;
  logger: Logger;
};

/**
 * Takes SMS jobs off the queue and hands them to the provider. Attempts, backoff and keeping failed jobs
 * come from the producer's job options (`SMS_JOB_OPTIONS` in packages/sms/src/queue.ts); the worker adds concurrency and the send rate.
 * `close()` stops taking jobs and waits for the ones in flight.
 */
export function createSmsWorker(options: SmsWorkerOptions): Worker<unknown, void> {
  const { logger } = options;
  const worker = new Worker<unknown, void>(options.queueName, deliverThrough(options.provider), {
    // A blocking consumer must wait out a Redis outage instead of failing its commands.
    connection: { url: options.redisUrl, maxRetriesPerRequest: null },
    prefix: smsQueuePrefix(options.redisPrefix),
    concurrency: options.concurrency,
    // BullMQ keeps this limit in Redis, so it holds across every worker on the queue, as the gateway counts.
    limiter: { max: options.ratePerSecond, duration: 1_000 },
    // A worker that dies mid-send holds its jobs until their lock expires and a stalled-job check hands
    // them back: 10 s each instead of BullMQ's 30 s, so an OTP waits seconds, not a minute. A live worker
    // renews its locks every 5 s, well within the provider's 10 s send timeout.
    lockDuration: 10_000,
    stalledInterval: 10_000,
  });
  worker.on('completed', (job) => logger.info(smsLogFields(job), 'SMS delivered'));
  worker.on('failed', (job, error) => logFailure(logger, job, error));
  worker.on('error', (error) => logger.error({ reason: failureReason(error) }, 'SMS worker error'));
  return worker;
}

function deliverThrough(provider: SmsProvider): Processor<unknown, void> {
  return async (job) => {
    await provider.send(readSmsJob(job.data), job.id);
  };
}

/** A job that breaks the contract will never become valid, so it fails at once instead of using its retries. */
function readSmsJob(data: unknown): SmsJob {
  const result = smsJobSchema.safeParse(data);
  if (result.success) return result.data;
  // Field names only: the values may hold the OTP, and this reason is stored with the job.
  const fields = new Set(result.error.issues.map((issue) => issue.path.join('.') || 'job'));
  throw new UnrecoverableError(`Invalid SMS job: ${[...fields].join(', ')}`);
}

function logFailure(logger: Logger, job: Job | undefined, error: Error) {
  const fields = { ...smsLogFields(job), reason: failureReason(error) };
  // BullMQ sets finishedOn only when it gives up, i.e. when the job goes to the failed set for good.
  if (job?.finishedOn) logger.error(fields, 'SMS not delivered; job kept in the failed set');
  else logger.warn(fields, 'SMS delivery failed; will retry');
}
