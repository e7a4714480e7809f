import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ERROR_STATUS, type ErrorCode, NEW_POSTING_REFUSALS, REVERSAL_REFUSALS } from '@tekana/contracts';
import openapiTS, { astToString } from 'openapi-typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAdminAndSignIn,
  floatWallet,
  newCustomerInput,
  repoRoot,
  type SignedIn,
  signIn,
  useTestServer,
} from './harness';

// Gitignored: the served document, the types generated from it, and the unchecked copy of the calls.
const generated = join(repoRoot, 'apps/server/test/.generated');
const typedClient = join(repoRoot, 'apps/server/test/typed-client');

type Schema = {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
} & Record<string, unknown>;
type Response = {
  content: {
    'application/json': {
      schema: { properties: { status: Schema; data: { properties: { code: Schema } } } };
    };
  };
};
type Operation = {
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content: { 'application/json': { schema: { properties: Record<string, Schema> } } } };
  responses: Record<string, Response>;
};
type Document = { paths: Record<string, Record<string, Operation>> };

/** Runs a tool from the repo's node_modules/.bin in the repo root: its exit code and output, never a throw. */
function run(tool: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      join(repoRoot, 'node_modules/.bin', tool),
      args,
      { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

const server = useTestServer();
let document: Document;
const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );
const operation = (method: string, path: string) => {
  const found = document.paths[path]?.[method];
  if (!found) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
  return found;
};
const codesOf = (response: Response | undefined) =>
  response?.content['application/json'].schema.properties.data.properties.code.enum;

beforeAll(async () => {
  document = (await server.send('GET', '/openapi.json')).json() as Document;
  await rm(generated, { recursive: true, force: true });
  await mkdir(generated, { recursive: true });
  await writeFile(join(generated, 'openapi.json'), JSON.stringify(document, null, 2));
});

describe('the served /openapi.json', () => {
  it('passes redocly lint with the recommended rules (and a description and one tag per operation): no error, no warning', async () => {
    const lint = await run(
      'redocly',
      ['lint', '--config', 'redocly.yaml', '--format', 'json', join(generated, 'openapi.json')],
      // Offline and quiet: no usage data (redocly.yaml says so too), no look-up of newer versions.
      { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true', NO_COLOR: '1' },
    );
    const json = lint.output.slice(lint.output.indexOf('{'), lint.output.lastIndexOf('}') + 1);
    const report = JSON.parse(json) as {
      totals: { errors: number; warnings: number };
      problems: { severity: string; ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(lint.code, lint.output).toBe(0);
  });

  it('asks no token of the public operations (security: []) and a bearer token of every other', () => {
    const publicOnes = operations()
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ name }) => name);
    expect(publicOnes.sort()).toEqual([
      'POST /customers/login',
      'POST /customers/register',
      'PUT /customers/validateOtp',
    ]);
    for (const { name, operation } of operations()) {
      if (!publicOnes.includes(name)) expect(operation.security, name).toEqual([{ bearer: [] }]);
      expect(operation.description, name).toBeTruthy();
      expect(operation.tags, name).toHaveLength(1);
    }
  });

  it("lists each operation's errors by status, each status with the data.code values it may carry", () => {
    for (const { name, operation } of operations()) {
      const statuses = Object.keys(operation.responses).filter((s) => /^[45]/.test(s));
      expect(statuses, name).toEqual(expect.arrayContaining(['400', '500', '503']));
      if (operation.security?.length)
        expect(codesOf(operation.responses['401']), name).toContain('UNAUTHORIZED');
      if (name.includes('{id}')) expect(codesOf(operation.responses['404']), name).toEqual(['NOT_FOUND']);
      for (const status of statuses) {
        const { schema } = operation.responses[status]?.content['application/json'] ?? {};
        expect(schema?.properties.status.const, `${name} ${status}`).toBe(Number(status));
        for (const code of codesOf(operation.responses[status]) ?? []) {
          const domainStatus = ERROR_STATUS[code as ErrorCode];
          if (domainStatus !== undefined) expect(domainStatus, `${name} ${code}`).toBe(Number(status));
        }
      }
      expect(codesOf(operation.responses.default), name).toEqual([
        'BAD_REQUEST',
        'PAYLOAD_TOO_LARGE',
        'TIMEOUT',
      ]);
    }
    const responses = (method: string, path: string) => operation(method, path).responses;
    expect(codesOf(responses('post', '/transactions')['422'])).toEqual([...NEW_POSTING_REFUSALS]);
    expect(codesOf(responses('post', '/transactions/bulk')['422'])).toEqual([...NEW_POSTING_REFUSALS]);
    expect(codesOf(responses('post', '/transactions')['409'])).toEqual(['IDEMPOTENCY_CONFLICT']);
    expect(codesOf(responses('post', '/transactions/{id}/reverse')['422'])).toEqual([...REVERSAL_REFUSALS]);
    expect(codesOf(responses('post', '/transactions/{id}/reverse')['403'])).toEqual(['FORBIDDEN']);
    expect(codesOf(responses('post', '/customers/register')['409'])).toEqual(['CONFLICT']);
    expect(codesOf(responses('post', '/customers/login')['401'])).toEqual(['INVALID_CREDENTIALS']);
    expect(codesOf(responses('post', '/customers/login')['429'])).toEqual(['TOO_MANY_REQUESTS']);
    expect(codesOf(responses('post', '/customers/register')['400'])).toEqual(['BAD_REQUEST', 'PARSE_ERROR']);
    expect(responses('get', '/wallets')['403']).toBeUndefined();
  });

  it('types input enums as their names, with the old numeric codes described beside them', () => {
    const register = operation('post', '/customers/register').requestBody?.content['application/json'].schema;
    expect(register?.properties.idType).toMatchObject({
      type: 'string',
      enum: ['NID', 'PASSPORT'],
      description: expect.stringContaining('0 = NID, 1 = PASSPORT'),
      'x-legacy-codes': { NID: 0, PASSPORT: 1 },
    });
    const query = (path: string, name: string) =>
      operation('get', path).parameters?.find((p) => p.in === 'query' && p.name === name)?.schema;
    expect(query('/wallets', 'currencyCode')).toMatchObject({ type: 'string', enum: ['RWF', 'USD'] });
    expect(query('/customers', 'email')).toMatchObject({ type: 'string', format: 'email', maxLength: 254 });
    expect(query('/walletTypes', 'allowNegativeBalance')).toEqual({ type: 'boolean' });
    expect(query('/transactions', 'minAmount')).toMatchObject({ type: 'integer', minimum: 0 });
  });

  it('gives every list its paging parameters with the ranges the server enforces', async () => {
    const lists = ['/customers', '/wallets', '/walletTypes', '/transactions', '/transactionTypes', '/audit'];
    for (const path of lists) {
      const params = operation('get', path).parameters ?? [];
      const range = (name: string) => {
        const { type, minimum, maximum } = params.find((p) => p.name === name)?.schema ?? {};
        return { type, minimum, maximum };
      };
      expect(range('limit'), path).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
      expect(range('pageSize'), path).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
      expect(range('page'), path).toEqual({ type: 'integer', minimum: 1, maximum: 1_000_000 });
    }
    const admin = await createAdminAndSignIn(server);
    const statusOf = async (query: string) =>
      (await server.rest('GET', `/wallets?${query}`, undefined, admin.token)).status;
    expect([await statusOf('limit=100'), await statusOf('limit=101'), await statusOf('limit=0')]).toEqual([
      200, 400, 400,
    ]);
    expect([await statusOf('page=1000000'), await statusOf('page=1000001')]).toEqual([200, 400]);
  });
});

/** The calls of `typed-client/calls.ts`, as far as this test runs them (tsc checks them against the document). */
type Calls = {
  tekanaClient(serverUrl: string, token?: string): unknown;
  registerWithNationalId(
    client: unknown,
    details: Record<string, unknown>,
  ): Promise<{ id: string; idType: string }>;
  openWallet(client: unknown, currencyCode: 'RWF' | 'USD'): Promise<{ id: string; currencyCode: string }>;
  firstWallets(
    client: unknown,
    limit: number,
  ): Promise<{ items: { id: string }[]; nextCursor: string | null }>;
  transfer(
    client: unknown,
    posting: { from: string; to: string; amount: number; key: string },
  ): Promise<{ posted?: { amount: number }; refused?: string; explained?: string }>;
};

describe('a client generated from it (openapi-typescript, openapi-fetch)', () => {
  beforeAll(async () => {
    const types = astToString(await openapiTS(document as never));
    await writeFile(join(generated, 'tekana-api.d.ts'), types);
  });

  it('type-checks the calls a frontend makes, and refuses each call the document forbids', async () => {
    const tsc = await run('tsc', ['--noEmit', '--pretty', 'false', '-p', join(typedClient, 'tsconfig.json')]);
    expect(tsc.output).toBe('');
    expect(tsc.code).toBe(0);
  });

  it('refuses those calls for the reasons given: without the expect-error lines, tsc reports exactly those errors', async () => {
    const source = await readFile(join(typedClient, 'calls.ts'), 'utf8');
    const expected = source.split('\n').flatMap((line, index) => {
      const reason = /^\s*\/\/ @ts-expect-error .*`(.+)`$/.exec(line)?.[1];
      return line.includes('// @ts-expect-error') ? [{ line: index + 2, reason }] : [];
    });
    expect(expected.length).toBeGreaterThanOrEqual(6);
    expect(expected.filter((e) => !e.reason)).toEqual([]);
    // The same lines, so that each error keeps its line number.
    await writeFile(
      join(generated, 'calls-unchecked.ts'),
      source.replaceAll('// @ts-expect-error', '// (unchecked)'),
    );
    await writeFile(
      join(generated, 'tsconfig.json'),
      JSON.stringify({
        extends: '../typed-client/tsconfig.json',
        include: ['calls-unchecked.ts', 'tekana-api.d.ts'],
      }),
    );
    const tsc = await run('tsc', ['--noEmit', '--pretty', 'false', '-p', join(generated, 'tsconfig.json')]);
    // One error per `file(line,col): error TS...` line; the indented lines after it continue its message.
    const errors = tsc.output.split(/\n(?=\S)/).flatMap((text) => {
      const line = /calls-unchecked\.ts\((\d+),\d+\): error TS\d+/.exec(text)?.[1];
      return line ? [{ line: Number(line), text }] : [];
    });
    expect(errors.map((e) => e.line)).toEqual(expected.map((e) => e.line));
    for (const [i, error] of errors.entries()) expect(error.text).toContain(expected[i]?.reason);
  });

  it('registers with idType NID, opens wallets, lists them by limit, posts, and reads the code of a refusal', async () => {
    const calls = (await import(pathToFileURL(join(typedClient, 'calls.ts')).href)) as Calls;
    const admin: SignedIn = await createAdminAndSignIn(server);
    const { idType: _idType, ...details } = newCustomerInput();
    const customer = await calls.registerWithNationalId(calls.tekanaClient(server.url), details);
    expect(customer.idType).toBe('NID');

    const token = await signIn(server, details.email, details.phoneNumber, details.password);
    const client = calls.tekanaClient(server.url, token);
    const spending = await calls.openWallet(client, 'RWF');
    const saving = await calls.openWallet(client, 'RWF');
    const float = await floatWallet(server, admin);
    const deposit = await server.rest(
      'POST',
      '/transactions',
      {
        externalReferenceNumber: `typed-client-${spending.id}`,
        transactionTypeCode: 'DEPOSIT',
        debitedWalletId: float.id,
        creditedWalletId: spending.id,
        amount: 1_000,
      },
      admin.token,
    );
    expect(deposit.status).toBe(201);

    const page = await calls.firstWallets(client, 1);
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();

    const key = (n: number) => `typed-client-${saving.id}-${n}`;
    const posted = await calls.transfer(client, {
      from: spending.id,
      to: saving.id,
      amount: 300,
      key: key(1),
    });
    expect(posted.posted?.amount).toBe(300);
    const refused = await calls.transfer(client, {
      from: spending.id,
      to: saving.id,
      amount: 5_000,
      key: key(2),
    });
    expect(refused).toEqual({ refused: 'INSUFFICIENT_FUNDS', explained: 'Not enough money in this wallet' });
  });
});
