import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '@tekana/contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newCustomerInput } from './harness';
import { type Envelope, rest } from './rest-client';
import {
  freePort,
  runTsx,
  type SpawnedProcess,
  STACK_TRACE_LINE,
  spawnTsx,
  waitForHealth,
} from './spawned-process';

/**
 * `pnpm start` as a new user runs it: no DATABASE_URL, no REDIS_URL, nothing but a port and a data folder.
 * One server process lives for the whole file; the last test stops it.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tekana-embedded-'));
const lockFile = join(dataDir, 'tekana.lock');
const env = (port: number) => ({ PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: dataDir });

/**
 * The server's own process, as named in its lock file. SIGTERM goes there, not to the `tsx` wrapper: the
 * tsx CLI SIGKILLs its child when the child's event loop does not acknowledge a relayed signal within 30 ms
 * (PGlite runs on that loop), which would cut the very requests a graceful shutdown must finish.
 */
function lockOwner(): number {
  return Number(readFileSync(lockFile, 'utf8').trim());
}

function startEmbedded(port: number): SpawnedProcess {
  return spawnTsx('apps/server/src/main.ts', [], env(port));
}

/** Login, then the OTP as the `log` SMS provider printed it on the server's stdout, then validateOtp. */
async function signIn(
  server: SpawnedProcess,
  base: string,
  email: string,
  phoneNumber: string,
  password: string,
) {
  const printed = server.stdout().length;
  const login = await rest(base, 'POST', '/customers/login', { email, password });
  expect(login.status).toBe(200);
  const escaped = phoneNumber.replace('+', '\\+');
  const smsLine = new RegExp(`^SMS to ${escaped} \\[OTP\\]: Your Tekana code is (\\d{6})\\b`, 'm');
  let otp: string | undefined;
  for (const deadline = Date.now() + 10_000; !otp && Date.now() < deadline; ) {
    otp = smsLine.exec(server.stdout().slice(printed))?.[1];
    if (!otp) await new Promise((r) => setTimeout(r, 25));
  }
  expect(otp, `no OTP line for ${phoneNumber} on stdout`).toBeDefined();
  const validated = await rest<Customer>(base, 'PUT', '/customers/validateOtp', { phoneNumber, otp });
  expect(validated.status).toBe(200);
  expect(validated.body.token).toEqual(expect.any(String));
  return { token: validated.body.token as string, customer: validated.body.data, otp: otp as string };
}

/** A POST whose body arrives in two halves, `pauseMs` apart: the request is in flight during the pause. */
function slowPost(base: string, path: string, body: unknown, pauseMs: number, duringPause: () => void) {
  const text = JSON.stringify(body);
  const half = Math.floor(text.length / 2);
  const url = new URL(`${base}${path}`);
  return new Promise<{ status: number; body: Envelope<Customer> }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        timeout: 20_000,
      },
      (res) => {
        let received = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          received += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(received) as Envelope<Customer> }),
        );
      },
    );
    req.on('error', reject).on('timeout', () => req.destroy(new Error('slow POST timed out')));
    req.write(text.slice(0, half));
    setTimeout(() => {
      duringPause();
      setTimeout(() => req.end(text.slice(half)), pauseMs);
    }, 300);
  });
}

describe('embedded mode, as a new user runs it', () => {
  let port: number;
  let base: string;
  let server: SpawnedProcess;
  let restarted: SpawnedProcess | undefined;
  // Signed in before the restart, used after it.
  let earlier: { token: string; customer: Customer } | undefined;
  let signedOut: string | undefined;

  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startEmbedded(port);
    await waitForHealth(`${base}/health`, server);
  });
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const [name, child] of [
      ['server', server],
      ['restarted server', restarted],
    ] as const) {
      if (!child) continue;
      const { exitCode, signalCode } = child.child;
      process.stderr.write(
        `${name}: exit ${exitCode} signal ${signalCode}\n--- stdout\n${child.stdout().slice(-4000)}\n--- stderr\n${child.stderr().slice(-4000)}\n`,
      );
    }
  });
  afterAll(async () => {
    await server?.kill();
    await restarted?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with no database or Redis server and says so in one log line', async () => {
    const lines = server.stdout().split('\n');
    const start = lines.filter((l) => /embedded PGlite/.test(l));
    expect(start).toHaveLength(1);
    expect(start[0]).toMatch(/no other server needed/);
    expect(JSON.parse(start[0] as string)).toMatchObject({ mode: 'embedded', port });
    expect(existsSync(lockFile)).toBe(true);
    expect(lockOwner()).toBeGreaterThan(0);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: 'up', redis: 'not configured' });
  });

  it('registers, sends the OTP through the log provider on stdout, validates it, and serves /customers/me', async () => {
    const input = newCustomerInput();
    const registered = await rest<Customer>(base, 'POST', '/customers/register', input);
    expect(registered.status).toBe(201);

    const { token, customer, otp } = await signIn(
      server,
      base,
      input.email,
      input.phoneNumber,
      input.password,
    );
    expect(customer.id).toBe(registered.body.data.id);
    const me = await rest<Customer>(base, 'GET', '/customers/me', undefined, token);
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: customer.id, email: input.email, role: 'CUSTOMER' });
    earlier = { token, customer };

    // No JWT_SECRET: the signing key was made once, kept in the data folder for its owner only.
    const keyFile = join(dataDir, 'jwt-secret');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(server.stdout()).not.toContain(key);

    // The server's own JSON log lines (the SMS line is the stand-in phone, not a log) hold no secret.
    const logLines = server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(3);
    for (const line of logLines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(input.password);
      expect(line).not.toContain(otp);
      expect(line).not.toContain(token);
    }
  });

  it('signs a token out with POST /customers/logout, leaving the other tokens signed in', async () => {
    const input = newCustomerInput();
    expect((await rest(base, 'POST', '/customers/register', input)).status).toBe(201);
    const { token } = await signIn(server, base, input.email, input.phoneNumber, input.password);
    expect((await rest(base, 'GET', '/customers/me', undefined, token)).status).toBe(200);
    const out = await rest(base, 'POST', '/customers/logout', undefined, token);
    expect(out).toEqual({
      status: 200,
      body: { status: 200, message: 'Signed out', data: { signedOut: true } },
    });
    expect((await rest(base, 'GET', '/customers/me', undefined, token)).status).toBe(401);
    expect((await rest(base, 'GET', '/customers/me', undefined, earlier?.token)).status).toBe(200);
    signedOut = token;
  });

  it('refuses db:migrate and admin:create on the data folder while the server holds it, in one clear line', async () => {
    const admin = newCustomerInput({ firstName: 'Admin' });
    const commands: [string, string[]][] = [
      ['apps/server/src/cli/migrate.ts', []],
      ['apps/server/src/cli/admin-create.ts', adminArgs(admin)],
    ];
    for (const [script, args] of commands) {
      const run = await runTsx(script, args, { PATH: process.env.PATH ?? '', DATA_DIR: dataDir }, 45_000);
      expect(run.code, `${script} exit code`).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^The embedded database in ${escapeRegExp(dataDir)} is in use by process ${lockOwner()}; stop it first`,
        ),
      );
      expect(run.stderr).not.toMatch(STACK_TRACE_LINE);
    }
  }, 120_000);

  // Last: it stops the server this file started.
  it('on SIGTERM finishes the request in flight, exits 0 within seconds and frees the folder; the data and tokens survive a restart', async () => {
    const input = newCustomerInput();
    const registered = await rest<Customer>(base, 'POST', '/customers/register', input);
    expect(registered.status).toBe(201);
    const lateInput = newCustomerInput();

    // The register below has sent half its body when SIGTERM arrives, and the rest 500 ms later.
    let signalledAt = 0;
    const inFlight = await slowPost(base, '/api/v1/customers/register', lateInput, 500, () => {
      signalledAt = Date.now();
      process.kill(lockOwner(), 'SIGTERM');
    });
    expect(inFlight.status).toBe(201);
    expect(inFlight.body.data).toMatchObject({ email: lateInput.email });
    expect(await server.exited(10_000)).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(server.stdout()).toMatch(/shutting down/);
    expect(existsSync(lockFile)).toBe(false);

    // `pnpm admin:create` now gets the folder.
    const admin = newCustomerInput({ firstName: 'Admin' });
    const created = await runTsx(
      'apps/server/src/cli/admin-create.ts',
      adminArgs(admin),
      { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
      45_000,
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`Admin ${escapeRegExp(admin.email)} created`));
    expect(existsSync(lockFile)).toBe(false);

    // A new server on the same folder knows both customers (the one registered during shutdown too) and the admin.
    const restartPort = await freePort();
    const restartBase = `http://127.0.0.1:${restartPort}`;
    restarted = startEmbedded(restartPort);
    await waitForHealth(`${restartBase}/health`, restarted);
    const again = await signIn(restarted, restartBase, input.email, input.phoneNumber, input.password);
    expect(again.customer.id).toBe(registered.body.data.id);
    const asAdmin = await signIn(restarted, restartBase, admin.email, admin.phoneNumber, admin.password);
    expect(asAdmin.customer.role).toBe('ADMIN');
    const found = await rest<Customer>(
      restartBase,
      'GET',
      `/customers/find?email=${encodeURIComponent(lateInput.email)}`,
      undefined,
      asAdmin.token,
    );
    expect(found.status).toBe(200);
    expect(found.body.data.id).toBe(inFlight.body.data.id);

    // A token from before the restart still works: the server signed with the key kept in the folder.
    const me = await rest<Customer>(restartBase, 'GET', '/customers/me', undefined, earlier?.token);
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(earlier?.customer.id);
    // A token signed out before the restart stays signed out: the key survived, so must the logout.
    expect((await rest(restartBase, 'GET', '/customers/me', undefined, signedOut)).status).toBe(401);

    process.kill(lockOwner(), 'SIGTERM');
    expect(await restarted.exited(10_000)).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  }, 120_000);
});

function adminArgs(admin: ReturnType<typeof newCustomerInput>): string[] {
  return [
    '--email',
    admin.email,
    '--phone',
    admin.phoneNumber,
    '--password',
    admin.password,
    '--first-name',
    admin.firstName,
    '--last-name',
    admin.lastName,
    '--id-number',
    admin.idNumber,
  ];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
