import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '@tekana/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCustomerInput, repoRoot } from './harness';
import { freePort, runTsx, type SpawnedProcess, spawnCommand, waitForHealth } from './spawned-process';

/**
 * Production runs the compiled bundle, as `pnpm start` does after `pnpm build`: plain node, no tsx, in
 * embedded mode. One server process lives for the whole file; the last test stops it.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tekana-build-'));

describe('the compiled server (pnpm build)', () => {
  let base: string;
  let server: SpawnedProcess | undefined;

  beforeAll(async () => {
    const built = await runTsx('apps/server/build.ts', [], { PATH: process.env.PATH ?? '' }, 60_000);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawnCommand(
      process.execPath,
      ['--enable-source-maps', 'apps/server/dist/main.js'],
      { PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: dataDir },
      'node apps/server/dist/main.js',
    );
    await waitForHealth(`${base}/health`, server);
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes one ESM file per app, with a source map, and the migrations beside the server', () => {
    for (const file of [
      'apps/server/dist/main.js',
      'apps/server/dist/main.js.map',
      'apps/server/dist/migrations/meta/_journal.json',
      'apps/sms-worker/dist/main.js',
    ]) {
      expect(existsSync(join(repoRoot, file)), file).toBe(true);
    }
  });

  it('migrates its embedded database and serves the API document and Swagger UI', async () => {
    const document = await fetch(`${base}/openapi.json`);
    expect(document.status).toBe(200);
    expect(await document.json()).toMatchObject({ info: { title: 'Tekana Wallet API' } });
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });

  it('registers a customer through /api/v1', async () => {
    const input = newCustomerInput();
    const response = await fetch(`${base}/api/v1/customers/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { data: Customer };
    expect(body.data).toMatchObject({ email: input.email, role: 'CUSTOMER' });
  });

  // Last: it stops the server this file started.
  it('on SIGTERM shuts down gracefully and exits 0', async () => {
    server?.child.kill('SIGTERM');
    expect(await server?.exited(15_000)).toBe(0);
    expect(server?.stdout()).toMatch(/"msg":"stopped"/);
  });
});
