import SwaggerParser from '@apidevtools/swagger-parser';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument } from '../src/http/openapi';
import { leaksIn } from './customer-leaks';
import { useTestServer } from './harness';
import { type Operation, operationsOf, requestsOf, urlOf } from './openapi-arbitraries';
import { buildWorld, CALLERS, type FuzzWorld, hintsFor } from './openapi-fuzz-world';
import {
  compileResponseSchema,
  documentedText,
  type ResponseValidator,
  type TextValidator,
} from './openapi-response-schema';

// Runs per operation: enough to meet every kind of mutation and caller, few enough for CI (the file
// takes well under a minute). Register and login hash or verify a password with argon2 (about half a
// second on a busy CI core), so they get half. FUZZ_RUNS digs deeper locally. A failure prints
// fast-check's seed; FUZZ_SEED replays its choices (the world's ids are new each run).
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const runsOf = (name: string) =>
  name === 'POST /customers/register' || name === 'POST /customers/login' ? Math.ceil(RUNS / 2) : RUNS;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

// A database of its own: the fuzzer switches types off, rewrites rules and freezes wallets. Limits per
// account out of reach: the fuzzer tries wrong codes on the world's own phones, and must still be able
// to sign its callers in again after fuzzing logout (the limits have tests of their own).
const server = useTestServer(
  { RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000000', RATE_LIMIT_OTP_PER_ACCOUNT: '1000000' },
  { ownDatabase: true },
);
let world: FuzzWorld;
let served: Map<string, Operation>;
let validate: ResponseValidator;
let validateText: TextValidator;

// One test per operation, named at collection time; each reads its schemas from the document the
// running server serves (a test checks that both list the same operations).
const operationNames = Object.entries(createOpenApiDocument('0').paths ?? {}).flatMap(([path, methods]) =>
  Object.keys(methods ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
);

beforeAll(async () => {
  const document = (await server.send('GET', '/openapi.json')).json() as Record<string, unknown>;
  validate = await compileResponseSchema(document);
  validateText = documentedText(document);
  const dereferenced = await SwaggerParser.dereference(structuredClone(document) as never);
  const operations = operationsOf(dereferenced as unknown as Parameters<typeof operationsOf>[0]);
  served = new Map(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o]));
  world = await buildWorld(server);
});

describe('every operation of /openapi.json, fuzzed as nobody, two customers and an admin', () => {
  it('fuzzes exactly the operations the served document lists', () => {
    expect([...served.keys()].sort()).toEqual([...operationNames].sort());
  });

  it("has a leak check with teeth: it flags bob's records, identity and balances shown to alice", async () => {
    const { alice, bob, aliceToBob } = world;
    const check = (body: unknown) => leaksIn(world, body, alice, bob);
    const flagged = async (body: unknown) => (await check(body)).leaks.length > 0;
    const [bobsWallet] = await world.walletsOf(bob);
    if (!bobsWallet) throw new Error('bob has no wallet');
    expect(await flagged({ data: bobsWallet })).toBe(true);
    expect(await flagged({ data: bob.customer })).toBe(true);
    expect(await flagged({ message: `Wallet ${bobsWallet.accountNumber} is INACTIVE` })).toBe(true);
    expect(await flagged({ message: `No customer ${bob.customer.email.toUpperCase()}` })).toBe(true);
    expect(await flagged({ data: { ...aliceToBob, debitedWalletId: bobsWallet.id } })).toBe(true);
    expect(await flagged({ data: alice.customer })).toBe(false);
    // Alice's own transfer to bob names his wallet, but must not show its balance.
    const shown = { ...aliceToBob, creditedWalletBalance: 1_234 };
    expect(await check({ data: shown })).toEqual({
      leaks: [],
      balances: ["/data/creditedWalletBalance is 1234, of a wallet not the caller's"],
    });
    expect(await check({ data: { ...shown, creditedWalletBalance: null } })).toEqual({
      leaks: [],
      balances: [],
    });
  });

  it.for(operationNames)(
    "%s: never a 5xx, every answer as documented, never another customer's data",
    async (name) => {
      const operation = served.get(name);
      if (!operation) throw new Error(`the served document has no ${name}`);
      await world.restore();
      const pools = await world.readPools();
      // Each caller as likely; per caller, three valid requests to two with one thing wrong.
      const requests = fc.oneof(
        ...CALLERS.map((caller) => {
          const { valid, invalid } = requestsOf(operation, hintsFor(world, operation, pools, caller));
          const parts = fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: invalid });
          return parts.map((p) => ({ caller, parts: p }));
        }),
      );
      const balanceLeaks: string[] = [];

      await fc.assert(
        fc.asyncProperty(requests, async ({ caller, parts }) => {
          const method = operation.method.toUpperCase();
          const url = urlOf(operation, parts);
          const headers: Record<string, string> = {};
          const token = world.tokenOf(caller);
          if (token) headers.authorization = `Bearer ${token}`;
          const sent = parts.body === undefined ? undefined : JSON.stringify(parts.body);
          if (sent !== undefined) headers['content-type'] = 'application/json';
          const answer = await server.send(method, `/api/v1${url}`, { body: sent, headers });
          const context = `${method} ${url} as ${caller}\nbody: ${sent?.slice(0, 1_000)}\nanswered ${answer.status}: ${answer.text.slice(0, 3_000)}`;

          if (answer.status >= 500) throw new Error(`a ${answer.status}\n${context}`);
          // A download (the statement's CSV) is text: documented under its own media type, scanned as is.
          const mediaType = answer.headers.get('content-type')?.split(';')[0] ?? '';
          const download = mediaType !== 'application/json';
          let body: unknown = answer.text;
          if (!download) {
            try {
              body = answer.json();
            } catch {
              throw new Error(`an answer that is not JSON\n${context}`);
            }
          }
          const problems = download
            ? validateText(operation.path, operation.method, answer.status, mediaType)
            : validate(operation.path, operation.method, answer.status, body);
          if (problems.length > 0) {
            throw new Error(`an answer the document does not describe: ${problems.join('; ')}\n${context}`);
          }
          if (!download) world.observe(body);

          if (caller === 'alice' || caller === 'bob') {
            const [viewer, other] = caller === 'alice' ? [world.alice, world.bob] : [world.bob, world.alice];
            const registered =
              operation.path === '/customers/register' && parts.body && typeof parts.body === 'object'
                ? String((parts.body as { email?: unknown }).email)
                    .trim()
                    .toLowerCase()
                : undefined;
            const { leaks, balances } = await leaksIn(world, body, viewer, other, registered);
            if (leaks.length > 0) throw new Error(`a leak: ${leaks.join('; ')}\n${context}`);
            balanceLeaks.push(...balances.map((b) => `${b}\n${context}`));
          }
        }),
        { numRuns: runsOf(name), seed: SEED },
      );

      // Apart from the property, so that every other check of this operation runs in full meanwhile.
      expect(
        balanceLeaks.slice(0, 3),
        `${balanceLeaks.length} answers show a customer the balance of a wallet not theirs`,
      ).toEqual([]);
    },
  );
});
