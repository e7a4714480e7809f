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
