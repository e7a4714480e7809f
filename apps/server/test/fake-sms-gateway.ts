import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedSms = {
  recipients: string;
  message: string;
  sender: string;
  authorization: string | undefined;
};

/** Stands in for the old SMS gateway: records every form post; can be told to fail. */
export type FakeSmsGateway = {
  url: string;
  received: ReceivedSms[];
  failNext(count: number): void;
  /** Resolves with the first message to `phone` received after `since` messages, polling until `timeoutMs`. */
  waitFor(phone: string, since: number, timeoutMs?: number): Promise<ReceivedSms>;
  close(): Promise<void>;
};

export async function startFakeSmsGateway(): Promise<FakeSmsGateway> {
  const received: ReceivedSms[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('try later');
        return;
      }
      const form = new URLSearchParams(body);
      received.push({
        recipients: form.get('recipients') ?? '',
        message: form.get('message') ?? '',
        sender: form.get('sender') ?? '',
        authorization: req.headers.authorization,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"queued"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    received,
    failNext(count) {
      failures = count;
    },
    async waitFor(phone, since, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.slice(since).find((m) => m.recipients === phone);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No SMS to ${phone} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
