import type { SmsJob } from '@tekana/contracts';
import { z } from 'zod';

/**
 * How an SMS leaves the system. The worker (production) and the embedded server (in-process) share these.
 * They need nothing but `fetch`.
 */
export interface SmsProvider {
  readonly name: string;
  /**
   * `reference` names the message across retries (the queue's job id): a worker killed after the gateway
   * took a message sends it again under the same reference, so a gateway that honours client references
   * sends it once.
   */
  send(job: SmsJob, reference?: string): Promise<void>;
}

/** The development stand-in for a phone: one line per message on stdout. Refused in production. */
export function createLogSmsProvider(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {
  return {
    name: 'log',
    async send(job: SmsJob) {
      write(`SMS to ${job.to} [${job.kind}]: ${job.text}`);
    },
  } satisfies SmsProvider;
}

export type HttpSmsProviderOptions = {
  url: string;
  username: string;
  password: string;
  sender: string;
  timeoutMs?: number;
};

/**
 * The old gateway's format: a form POST of recipients, message and sender, with basic auth; plus the
 * message's `reference` when known (gateways ignore fields they do not read).
 */
export function createHttpSmsProvider(options: HttpSmsProviderOptions) {
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  return {
    name: 'http',
    async send(job: SmsJob, reference?: string) {
      const form = new URLSearchParams({ recipients: job.to, message: job.text, sender: options.sender });
      if (reference) form.set('reference', reference);
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`SMS gateway answered ${response.status}`);
    },
  } satisfies SmsProvider;
}

/** The SMS settings both the server (embedded delivery) and the worker read from the environment. */
export const smsProviderEnvSchema = z.object({
  SMS_PROVIDER: z.enum(['log', 'http']).default('log'),
  SMS_GATEWAY_URL: z.url().optional(),
  SMS_USERNAME: z.string().default(''),
  SMS_PASSWORD: z.string().default(''),
  SMS_SENDER: z.string().default('Tekana'),
});
export type SmsProviderEnv = z.infer<typeof smsProviderEnvSchema>;

/** The provider rules both processes enforce: `log` would print OTPs, so never in production; `http` needs its URL. */
export function checkSmsProviderEnv(
  c: { NODE_ENV?: string; SMS_PROVIDER?: string; SMS_GATEWAY_URL?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (c.NODE_ENV === 'production' && c.SMS_PROVIDER === 'log') {
    ctx.addIssue({
      code: 'custom',
      path: ['SMS_PROVIDER'],
      message: 'SMS_PROVIDER=log would print OTPs; use http in production',
    });
  }
  if (c.SMS_PROVIDER === 'http' && !c.SMS_GATEWAY_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['SMS_GATEWAY_URL'],
      message: 'SMS_GATEWAY_URL is required when SMS_PROVIDER=http',
    });
  }
}

export function createSmsProvider(env: SmsProviderEnv): SmsProvider {
  if (env.SMS_PROVIDER === 'log') return createLogSmsProvider();
  if (!env.SMS_GATEWAY_URL) throw new Error('SMS_GATEWAY_URL is required when SMS_PROVIDER=http');
  return createHttpSmsProvider({
    url: env.SMS_GATEWAY_URL,
    username: env.SMS_USERNAME,
    password: env.SMS_PASSWORD,
    sender: env.SMS_SENDER,
  });
}
