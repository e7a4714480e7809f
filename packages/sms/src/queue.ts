import type { SmsJob } from '@tekana/contracts';
import { z } from 'zod';

/**
 * The SMS queue's delivery policy, shared by the producer (server) and the worker: 5 attempts with
 * exponential backoff; delivered jobs are kept an hour and failed ones a week for inspection, so that
 * message texts (OTPs among them, useless after OTP_TTL_SECONDS) do not pile up in Redis.
 */
export const SMS_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * A one-time code is waited for by someone at a login screen; a posting's notice is not. Notices carry a
 * BullMQ priority and codes none, and BullMQ serves jobs without a priority first: a burst of notices
 * never holds an OTP back.
 */
export const smsJobPriority = (kind: SmsJob['kind']): number | undefined => (kind === 'OTP' ? undefined : 10);

/** Where BullMQ keeps the SMS queue's keys, under the deployment's REDIS_PREFIX. */
export const smsQueuePrefix = (redisPrefix: string) => `${redisPrefix}bull`;

/**
 * Where the SMS queue lives, read by the server (producer) and the worker (consumer) from the same
 * variables with the same defaults, so that both name one queue.
 */
export const smsQueueEnvSchema = z.object({
  REDIS_PREFIX: z.string().default('tekana:'),
  SMS_QUEUE_NAME: z.string().min(1).default('sms'),
});
