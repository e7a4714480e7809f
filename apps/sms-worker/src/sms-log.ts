import { maskPhoneNumber } from '@tekana/sms';
import type { Job } from 'bullmq';

/** What the logs may say about an SMS job: never its text (it may be an OTP), the recipient only masked. */
export function smsLogFields(job: Job | undefined) {
  if (!job) return {};
  const to = typeof job.data === 'object' && job.data !== null && 'to' in job.data ? job.data.to : undefined;
  return { jobId: job.id, kind: job.name, attempt: job.attemptsMade, to: maskRecipient(to) };
}

/** Enough of a number to tell the country and the line apart in a log, not enough to reach the customer. */
export function maskRecipient(to: unknown): string | undefined {
  return typeof to === 'string' && to.length >= 8 ? maskPhoneNumber(to) : undefined;
}

/** The message only, with its cause's ("fetch failed" alone says nothing); an error's other fields may carry job data. */
export function failureReason(error: Error): string {
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
