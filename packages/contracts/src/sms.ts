import { z } from 'zod';
import { phoneNumberSchema } from './customer';

export const SMS_KINDS = ['OTP', 'DEBIT_NOTICE', 'CREDIT_NOTICE'] as const;

/** One SMS job on the `sms` queue: checked when enqueued and again by the worker. */
export const smsJobSchema = z.object({
  to: phoneNumberSchema,
  text: z.string().min(1).max(480),
  kind: z.enum(SMS_KINDS),
});
export type SmsJob = z.infer<typeof smsJobSchema>;

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

/**
 * The BullMQ queue's name, from SMS_QUEUE_NAME: read by the server that fills the queue, the worker that
 * drains it and the bench that relays into it, so that all three agree on it and on its default.
 */
export const smsQueueEnvSchema = z.object({ SMS_QUEUE_NAME: z.string().min(1).default('sms') });

/** Where BullMQ keeps the SMS queue's keys, under the deployment's REDIS_PREFIX. */
export const smsQueuePrefix = (redisPrefix: string) => `${redisPrefix}bull`;
