import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SMS the server sent to the gateway: its recipient, its text, and when it arrived (ms). */
export type ReceivedSms = { phone: string; message: string; at: number };

export type SmsSink = {
  /** Where SMS_GATEWAY_URL points. */
  url: string;
  /** Every SMS received so far, in order. */
  received: readonly ReceivedSms[];
  /** The 6-digit code of the first SMS to `phone` received at or after `since` (ms), waiting up to 15 s. */
  otpFor(phone: string, since: number): Promise<string>;
  close(): Promise<void>;
};

/**
 * Where SMS_GATEWAY_URL points: production config requires the http provider, and no SMS may leave the
 * machine. `pnpm bench`'s servers only queue notices (no worker runs), so it normally receives nothing
 * there; `pnpm bench:reads`' server sends its OTPs here in process, and signs in with them.
 */
export async function startSmsSink(): Promise<SmsSink> {
  const received: ReceivedSms[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      received.push({
        phone: form.get('recipients') ?? '',
        message: form.get('message') ?? '',
        at: Date.now(),
      });
      res.end('OK');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    received,
    async otpFor(phone, since) {
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
        const sms = received.find((m) => m.phone === phone && m.at >= since);
        const otp = sms && /\b(\d{6})\b/.exec(sms.message)?.[1];
        if (otp) return otp;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no OTP reached ${phone}`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
