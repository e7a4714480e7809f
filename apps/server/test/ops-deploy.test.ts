import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Customer, Transaction } from '@tekana/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { checkPatches } from '../bundle';
import { createOwnDatabase, newCustomerInput, repoRoot } from './harness';
import { rest } from './rest-client';
import { customerWithWallet, floatWalletOf, postTransaction, productionEnv } from './server-process';
import { freePort, runTsx, type SpawnedProcess, spawnCommand, waitForHealth } from './spawned-process';

/**
 * The deployable bundles (`pnpm bundle`) as an operator ships them: each copied to an empty folder outside
 * the checkout, where no node_modules above can stand in for a package the bundle lacks, and started with
 * plain `node main.js` in production mode, with only node on the PATH. The server on a database of its own,
 * the worker on an SMS queue of its own: a login's code goes server → Redis → worker bundle → gateway.
 */
const stage = mkdtempSync(join(tmpdir(), 'tekana-deploy-'));
const serverDir = join(stage, 'server');
const workerDir = join(stage, 'sms-worker');
const nodeOnlyPath = [dirname(process.execPath), '/usr/bin', '/bin'].join(':');
const DEVELOPMENT_TOOLS = [
  'tsx',
  'vitest',
  'typescript',
  'esbuild',
  '@biomejs/biome',
  'turbo',
  'drizzle-kit',
];

let database: Awaited<ReturnType<typeof createOwnDatabase>> | undefined;
let gateway: FakeSmsGateway | undefined;
let env: Record<string, string>;
let server: SpawnedProcess | undefined;
let worker: SpawnedProcess | undefined;
let base: string;

/** `node <script> ...` in a copied bundle's folder, as production runs it. */
function runBundled(dir: string, script: string, args: string[] = [], extraEnv: Record<string, string> = {}) {
  return spawnCommand(
    process.execPath,
    ['--enable-source-maps', script, ...args],
    { ...env, ...extraEnv },
    `node ${script} in ${dir}`,
    dir,
  );
}

beforeAll(async () => {
  const bundled = await runTsx(
    'apps/server/build.ts',
    ['--bundle'],
    { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? homedir() },
    90_000,
  );
  expect(bundled.code, `${bundled.stdout}\n${bundled.stderr}`).toBe(0);
  for (const dir of [serverDir, workerDir]) {
    // pnpm's node_modules links within itself by relative paths: copied as links, they stay inside the copy.
    cpSync(join(repoRoot, 'deploy', basename(dir)), dir, { recursive: true, verbatimSymlinks: true });
  }
  [database, gateway] = await Promise.all([
    createOwnDatabase(),
    startFakeSmsGateway({ username: 'tekana', password: 'gateway-secret' }),
  ]);
  env = {
    ...productionEnv({ databaseUrl: database.url, redisUrl: inject('redisUrl'), gateway }),
    NODE_ENV: 'production',
    PATH: nodeOnlyPath,
  };
  // At info, so that it says when it took its queue.
  worker = runBundled(workerDir, 'main.js', [], { LOG_LEVEL: 'info' });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = runBundled(serverDir, 'main.js', [], { PORT: String(port) });
  await waitForHealth(`${base}/health`, server);
}, 150_000);

afterAll(async () => {
  await Promise.all([server?.kill(), worker?.kill()]);
  await gateway?.close();
  await database?.drop();
  rmSync(stage, { recursive: true, force: true });
});

describe('the deployable bundles (pnpm bundle), copied out of the checkout', () => {
  it('run where no node_modules above them could supply a missing package', () => {
    for (let dir = stage; ; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
      if (dirname(dir) === dir) break;
    }
  });

  it('hold the built JS with source maps, the migrations, and a package.json for ESM', () => {
    for (const file of [
      'main.js',
      'main.js.map',
      'admin-create.js',
      'migrate.js',
      'relay.js',
      'relay-thread.js',
      'verify.js',
      'migrations/meta/_journal.json',
    ]) {
      expect(existsSync(join(serverDir, file)), `server bundle: ${file}`).toBe(true);
    }
    for (const file of ['main.js', 'main.js.map']) {
      expect(existsSync(join(workerDir, file)), `worker bundle: ${file}`).toBe(true);
    }
    for (const dir of [serverDir, workerDir]) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(manifest.type).toBe('module');
      expect(manifest.devDependencies).toBeUndefined();
    }
  });

  it('hold no development dependency: no tsx, vitest, typescript, esbuild, nor the app’s devDependencies', () => {
    for (const dir of [serverDir, workerDir]) {
      const app = JSON.parse(readFileSync(join(repoRoot, 'apps', basename(dir), 'package.json'), 'utf8'));
      const installed = readdirSync(join(dir, 'node_modules/.pnpm'));
      for (const name of [...DEVELOPMENT_TOOLS, ...Object.keys(app.devDependencies ?? {})]) {
        expect(existsSync(join(dir, 'node_modules', name)), `${basename(dir)}: ${name}`).toBe(false);
        const copies = installed.filter((entry) => entry.startsWith(`${name.replace('/', '+')}@`));
        expect(copies, `${basename(dir)}: ${name}`).toEqual([]);
      }
    }
  });

  it('carries the patched postgres (README, "Dependency notes"), not the registry’s', () => {
    const postgres = realpathSync(join(serverDir, 'node_modules/postgres'));
    expect(postgres.startsWith(serverDir)).toBe(true);
    expect(postgres).toMatch(/postgres@3\.4\.9_patch_hash=/);
    const connection = readFileSync(join(postgres, 'src/connection.js'), 'utf8');
    expect(connection).toContain('if (!socket || socket.destroyed) {');
    expect(() => checkPatches(repoRoot, serverDir)).not.toThrow();
  });

  it('serves /health, /ready (Postgres and Redis up), the API document and Swagger UI', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const document = await fetch(`${base}/openapi.json`);
    expect(await document.json()).toMatchObject({ info: { title: 'Tekana Wallet API' } });
    const docs = await fetch(`${base}/docs/`);
    expect(await docs.text()).toContain('swagger-ui');
    // Served from the bundle's own swagger-ui-dist.
    expect((await fetch(`${base}/docs/swagger-ui.css`)).status).toBe(200);
  });

  it('creates the first admin with its CLI, who signs in with the code the worker bundle delivered and posts', async () => {
    const admin = newCustomerInput({ firstName: 'Ops' });
    const created = runBundled(serverDir, 'admin-create.js', [
      ...['--email', admin.email, '--phone', admin.phoneNumber, '--password', admin.password],
      ...['--first-name', admin.firstName, '--last-name', admin.lastName, '--id-number', admin.idNumber],
    ]);
    expect(await created.exited(30_000), created.stderr()).toBe(0);

    const sms = gateway as FakeSmsGateway;
    const since = sms.posts.length;
    const login = await rest(base, 'POST', '/customers/login', {
      email: admin.email,
      password: admin.password,
    });
    expect(login.status).toBe(200);
    const otp = /\b(\d{6})\b/.exec((await sms.waitFor(admin.phoneNumber, since)).message)?.[1];
    const validated = await rest(base, 'PUT', '/customers/validateOtp', {
      phoneNumber: admin.phoneNumber,
      otp,
    });
    const token = validated.body.token ?? '';
    expect(token).not.toBe('');
    const me = await rest<Customer>(base, 'GET', '/customers/me', undefined, token);
    expect(me.body.data).toMatchObject({ email: admin.email, role: 'ADMIN' });

    const { customer, wallet } = await customerWithWallet(base, token);
    const float = await floatWalletOf(base, token);
    const deposit = await postTransaction(base, token, 'DEPOSIT', float.id, wallet.id, 5_000);
    expect(deposit.status).toBe(201);
    const posting: Transaction = deposit.body.data;
    expect(posting).toMatchObject({ amount: 5_000, creditedWalletId: wallet.id });
    // The notice goes through the outbox, the queue and the worker bundle.
    const notice = await sms.waitFor(customer.phoneNumber, 0);
    expect(notice.message).toContain(posting.referenceNumber);
  });

  it('the worker bundle takes its jobs from its own queue', async () => {
    const started = await (worker as SpawnedProcess).waitForLine(/"msg":"SMS worker started"/);
    expect(JSON.parse(started.input)).toMatchObject({ queue: env.SMS_QUEUE_NAME, provider: 'http' });
  });

  it('verifies the ledger with its CLI', async () => {
    const verify = runBundled(serverDir, 'verify.js');
    expect(await verify.exited(30_000), verify.stderr()).toBe(0);
    expect(verify.stdout()).toContain('Ledger verified');
  });

  // Last: it stops the processes this file started.
  it('both stop gracefully on SIGTERM and exit 0', async () => {
    server?.child.kill('SIGTERM');
    worker?.child.kill('SIGTERM');
    expect(await server?.exited(15_000)).toBe(0);
    expect(await worker?.exited(15_000)).toBe(0);
  });
});
