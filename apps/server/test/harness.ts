import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type AppRouter, createAdmin } from '@tekana/api';
import type {
  Customer,
  Limit,
  LimitSetInput,
  Page,
  RegisterInput,
  Transaction,
  TransactionCreateRequest,
  Wallet,
  WalletType,
} from '@tekana/contracts';
import { systemActor } from '@tekana/db';
import { createTRPCClient, httpLink } from '@trpc/client';
import pino from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { type FakeSmsGateway, startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { createOwnDatabase } from '../../../test/own-database';
import { loadConfig } from '../src/config';
import { type RunningServer, startServer } from '../src/server';
import { walletTypeLikePersonal } from './rest-client';

/** A fresh database of its own on the test Postgres; `drop` checks `pnpm verify`'s invariants first. */
export { createOwnDatabase };

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const tsxBin = `${repoRoot}node_modules/.bin/tsx`;

export type TestServer = RunningServer & {
  env: Record<string, string>;
  gateway: FakeSmsGateway;
  worker: ChildProcess | undefined;
  /** REST call under /api/v1; returns the HTTP status and the parsed envelope. */
  rest<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<RestResponse<T>>;
  /** A request exactly as given (any path, body bytes and headers); the answer's text, whatever it holds. */
  send(method: string, path: string, init?: SendInit): Promise<RawResponse>;
  trpc(token?: string): ReturnType<typeof createTRPCClient<AppRouter>>;
  stop(): Promise<void>;
};

export type SendInit = { body?: string; headers?: Record<string, string> };
export type RawResponse = { status: number; headers: Headers; text: string; json(): unknown };

export type RestResponse<T> = {
  status: number;
  body: { status: number; message: string; data: T; token?: string };
};

/**
 * The real server in production mode on a random port: this run's Postgres database, a Redis prefix and
 * SMS queue of its own, and the real SMS worker process delivering to a fake gateway in this process.
 */
export type TestServerOptions = {
  /** Start the real SMS worker process (default). Without it, SMS jobs wait in the queue. */
  worker?: boolean;
  /** Receives every log line the server writes (JSON), for checks that secrets never reach the logs. */
  logLines?: string[];
  /**
   * A database of this server's own instead of the run's shared one: for tests that follow SMS notices,
   * since every server's outbox relay moves whatever notices its database holds. `stop()` verifies the
   * ledger there, then drops it.
   */
  ownDatabase?: boolean;
};

/**
 * The test server of a file or a describe block: started before its tests, stopped after them. Used
 * like the server itself (`server.rest(...)`) from its tests and from hooks registered after this call.
 * `env` may be a function, for values known only once an earlier hook has run (a proxy's port).
 */
export function useTestServer(
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: TestServerOptions = {},
): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(typeof env === 'function' ? env() : env, options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return new Proxy({} as TestServer, {
    get(_target, key) {
      if (!server)
        throw new Error(
          `the test server starts in beforeAll: read .${String(key)} in a test or a later hook`,
        );
      return Reflect.get(server, key);
    },
  });
}

export async function startTestServer(
  overrides: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const gateway = await startFakeSmsGateway({ username: 'tekana', password: 'gateway-secret' });
  const own = options.ownDatabase ? await createOwnDatabase() : undefined;
  const suffix = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: own?.url ?? inject('databaseUrl'),
    REDIS_URL: inject('redisUrl'),
    REDIS_PREFIX: `test:${inject('runId')}:${suffix}:`,
    SMS_QUEUE_NAME: `sms-${suffix}`,
    SMS_PROVIDER: 'http',
    SMS_GATEWAY_URL: gateway.url,
    SMS_USERNAME: 'tekana',
    SMS_PASSWORD: 'gateway-secret',
    SMS_SENDER: 'Tekana',
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_LOGIN_PER_IP: '100000',
    RATE_LIMIT_OTP_PER_IP: '100000',
    ...overrides,
  };
  const lines = options.logLines;
  const log = lines
    ? pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) })
    : pino({ level: 'silent' });
  const server = await startServer(loadConfig(env), log).catch(async (error: unknown) => {
    await gateway.close();
    throw error;
  });
  const worker =
    options.worker === false
      ? undefined
      : spawn(tsxBin, ['apps/sms-worker/src/main.ts'], {
          cwd: repoRoot,
          env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'ignore', 'inherit'],
        });

  const rest = async <T>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<RestResponse<T>> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as RestResponse<T>['body'] };
  };

  const send = async (method: string, path: string, init: SendInit = {}): Promise<RawResponse> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: init.headers,
      // Bytes, so that fetch adds no content type of its own.
      body: init.body === undefined ? undefined : Buffer.from(init.body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
  };

  // A test may close the server itself (a graceful shutdown); stop() then finds it closed.
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= server.close();
    return closing;
  };

  return {
    ...server,
    close,
    env,
    gateway,
    worker,
    rest,
    send,
    trpc: (token) =>
      createTRPCClient<AppRouter>({
        links: [
          httpLink({
            url: `${server.url}/trpc`,
            headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
          }),
        ],
      }),
    async stop() {
      if (worker && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.kill('SIGTERM');
        await exited;
      }
      await close();
      await gateway.close();
      await own?.drop();
    },
  };
}

export function newCustomerInput(
  overrides: Partial<RegisterInput> = {},
): RegisterInput & { password: string } {
  const n = randomInt(10_000_000, 99_999_999);
  return {
    firstName: 'Aline',
    lastName: `Uwase${n}`,
    email: `aline.${n}.${randomBytes(2).toString('hex')}@example.rw`,
    phoneNumber: `+2507${n}`,
    idType: 'NID',
    idNumber: `1199${n}${randomInt(1000, 9999)}`,
    gender: 'FEMALE',
    password: 'umugati-mwiza-42',
    ...overrides,
  };
}

export type SignedIn = { token: string; customer: Customer; password: string };

/** Login, then the OTP as the gateway received it, then validateOtp: the whole two-factor path. */
export async function signIn(
  server: TestServer,
  email: string,
  phoneNumber: string,
  password: string,
): Promise<string> {
  const since = server.gateway.posts.length;
  const login = await server.rest('POST', '/customers/login', { email, password });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.body.message}`);
  const sms = await server.gateway.waitFor(phoneNumber, since);
  const otp = /\b(\d{6})\b/.exec(sms.message)?.[1];
  const validated = await server.rest('PUT', '/customers/validateOtp', { phoneNumber, otp });
  if (validated.status !== 200 || !validated.body.token)
    throw new Error(`validateOtp answered ${validated.status}`);
  return validated.body.token;
}

export async function registerAndSignIn(
  server: TestServer,
  overrides: Partial<RegisterInput> = {},
): Promise<SignedIn> {
  const input = newCustomerInput(overrides);
  const registered = await server.rest<Customer>('POST', '/customers/register', input);
  if (registered.status !== 201)
    throw new Error(`register answered ${registered.status}: ${registered.body.message}`);
  const token = await signIn(server, input.email, input.phoneNumber, input.password);
  return { token, customer: registered.body.data, password: input.password };
}

/** An admin, made the way `pnpm admin:create` makes one, then signed in like anyone else. */
export async function createAdminAndSignIn(server: TestServer): Promise<SignedIn> {
  const input = newCustomerInput({ firstName: 'Admin' });
  const { database } = server.runtime;
  const customer = await createAdmin(database, input, await systemActor(database.db));
  const token = await signIn(server, input.email, input.phoneNumber, input.password);
  return { token, customer, password: input.password };
}

/** A file's signed-in admin, the RWF float they fund its customers from, and what they do with them. */
export type FundingAdmin = {
  admin: SignedIn;
  floatRwf: Wallet;
  /** `customerWithFundedWallet` on this server, funded by this admin from this float. */
  customerWithWallet(balance: number, walletTypeCode?: string): Promise<SignedIn & { wallet: Wallet }>;
  /** A wallet as this admin reads it now over REST. */
  walletOf(walletId: string): Promise<Wallet>;
  /**
   * A customer holding `balance` on a wallet type of their own (allowed what PERSONAL is) with `limit` set
   * on it, and a payee on PERSONAL: what a test does to that limit touches no other test.
   */
  limitedCustomer(balance: number, limit: Omit<LimitSetInput, 'walletTypeId'>): Promise<LimitedCustomer>;
};

export type LimitedCustomer = {
  sender: SignedIn & { wallet: Wallet };
  payee: SignedIn & { wallet: Wallet };
  walletType: WalletType;
  limit: Limit;
};

export async function fundingAdmin(server: TestServer): Promise<FundingAdmin> {
  const admin = await createAdminAndSignIn(server);
  const floatRwf = await floatWallet(server, admin);
  return {
    admin,
    floatRwf,
    customerWithWallet: (balance, walletTypeCode) =>
      customerWithFundedWallet(server, admin, floatRwf, balance, walletTypeCode),
    walletOf: async (walletId) =>
      (await server.rest<Wallet>('GET', `/wallets/${walletId}`, undefined, admin.token)).body.data,
    async limitedCustomer(balance, limit) {
      const walletType = await walletTypeLikePersonal(server.url, admin.token);
      const body = { walletTypeId: walletType.id, ...limit };
      const set = await server.rest<Limit>('PUT', '/limits', body, admin.token);
      if (set.status !== 200)
        throw new Error(`setting the limit answered ${set.status}: ${set.body.message}`);
      const [sender, payee] = await Promise.all([
        customerWithFundedWallet(server, admin, floatRwf, balance, walletType.code),
        customerWithFundedWallet(server, admin, floatRwf, 0),
      ]);
      return { sender, payee, walletType, limit: set.body.data };
    },
  };
}

/** The system FLOAT wallet of a currency, through which an admin deposits and withdraws. */
export async function floatWallet(
  server: TestServer,
  admin: SignedIn,
  currencyCode: 'RWF' | 'USD' = 'RWF',
): Promise<Wallet> {
  const floats = await server.rest<Page<Wallet>>(
    'GET',
    `/wallets?wallet_type_code=FLOAT&currency_code=${currencyCode}`,
    undefined,
    admin.token,
  );
  const float = floats.body.data.items[0];
  if (!float) throw new Error(`no ${currencyCode} float wallet`);
  return float;
}

/**
 * A signed-in customer who opened an RWF wallet of their own (PERSONAL unless told), holding `balance`,
 * deposited by the admin from `float` over REST.
 */
async function customerWithFundedWallet(
  server: TestServer,
  admin: SignedIn,
  float: Wallet,
  balance: number,
  walletTypeCode = 'PERSONAL',
): Promise<SignedIn & { wallet: Wallet }> {
  const signedIn = await registerAndSignIn(server);
  const body = { walletTypeCode, currencyCode: 'RWF' };
  const opened = await server.rest<Wallet>('POST', '/wallets', body, signedIn.token);
  if (opened.status !== 201) throw new Error(`opening a wallet answered ${opened.status}`);
  const wallet = opened.body.data;
  if (balance > 0) {
    const deposit = await server.rest(
      'POST',
      '/transactions',
      {
        externalReferenceNumber: `fund-${randomBytes(8).toString('hex')}`,
        transactionTypeCode: 'DEPOSIT',
        debitedWalletId: float.id,
        creditedWalletId: wallet.id,
        amount: balance,
      },
      admin.token,
    );
    if (deposit.status !== 201) throw new Error(`the deposit answered ${deposit.status}`);
  }
  return { ...signedIn, wallet };
}

/**
 * A posting over REST by `actor`, as given, under a fresh external reference unless `body` names one.
 * `T` is what the envelope's data holds: the posting, or a refusal's code and details.
 */
export function postTransaction<T = Transaction>(
  server: TestServer,
  actor: { token: string },
  body: Partial<TransactionCreateRequest>,
): Promise<RestResponse<T>> {
  const externalReferenceNumber = `post-${randomBytes(8).toString('hex')}`;
  return server.rest<T>('POST', '/transactions', { externalReferenceNumber, ...body }, actor.token);
}

/** A hold captured (in full, or the `amount` the body names) or voided over REST by `actor`. */
export function settleHold(
  server: TestServer,
  actor: { token: string },
  id: string,
  action: 'capture' | 'void',
  body?: { amount?: number },
): Promise<RestResponse<Transaction>> {
  return server.rest<Transaction>('POST', `/transactions/${id}/${action}`, body, actor.token);
}

/**
 * A posting as `token` reads it, every 200 ms until it is no longer PENDING or `timeoutMs` has passed: the
 * last one read, for the test to check (a hold the server's sweeper should have voided by then).
 */
export async function waitUntilNotPending(
  server: TestServer,
  id: string,
  token: string,
  timeoutMs = 10_000,
): Promise<Transaction | undefined> {
  let seen: Transaction | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    seen = (await server.rest<Transaction>('GET', `/transactions/${id}`, undefined, token)).body.data;
    if (seen.status !== 'PENDING') break;
  }
  return seen;
}
