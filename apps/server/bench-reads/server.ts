import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the server's SMS go: the OTPs the bench signs in with, by phone number. */
export type SmsSink = {
  url: string;
  otpFor(phone: string, since: number): Promise<string>;
  close(): Promise<void>;
};

export async function startSmsSink(): Promise<SmsSink> {
  const received: { phone: string; message: string; at: number }[] = [];
  const server = createServer((req, res) => {
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
    async otpFor(phone, since) {
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
        const sms = received.find((m) => m.phone === phone && m.at >= since);
        const otp = sms && /\b(\d{6})\b/.exec(sms.message)?.[1];
        if (otp) return otp;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no OTP reached ${phone}`);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type ServerProcess = { origin: string; pid: number; child: ChildProcess; stop(): Promise<void> };

/**
 * The built server (`pnpm build`) as its own process, as `pnpm start` runs it, in production mode on the
 * seeded database. No Redis: reads never touch it, and the OTPs go in-process to the sink.
 */
export async function startServer(root: string, databaseUrl: string, smsUrl: string, logFile: string) {
  const port = await freePort();
  const log = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--max-semi-space-size=64', 'apps/server/dist/main.js'],
    {
      cwd: root,
      stdio: ['ignore', log, log],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        JWT_SECRET: randomBytes(32).toString('hex'),
        SMS_PROVIDER: 'http',
        SMS_GATEWAY_URL: smsUrl,
        LOG_LEVEL: 'warn',
      },
    },
  );
  const exited = once(child, 'exit');
  const origin = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; ) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the server was not ready in 60 s; see ${logFile}`);
    const ready = await fetch(`${origin}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    origin,
    pid: child.pid ?? 0,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  } satisfies ServerProcess;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** CPU seconds (user + system, in clock ticks of 1/100 s) the process has used so far: steadier than latency on a shared machine. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
