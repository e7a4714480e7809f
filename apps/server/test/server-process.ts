import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createAdmin } from '@tekana/api';
import type { Customer, Transaction, TransactionCreateInput, Wallet } from '@tekana/contracts';
import { createDatabase, systemActor } from '@tekana/db';
import { inject } from 'vitest';
import type { FakeSmsGateway } from '../../../test/fake-sms-gateway';
import { newCustomerInput, repoRoot } from './harness';
import { rest } from './rest-client';
import { freePort, type SpawnedProcess, spawnCommand, waitForHealth } from './spawned-process';

// By path: from another working folder, `--import tsx` would look for tsx there.
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

/**
 * Node with tsx as a loader, not the tsx CLI: one process, so that SIGKILL hits the server itself and
 * leaves no orphan behind (the CLI's child would outlive a SIGKILLed wrapper). From the repo root unless
 * `cwd` names another working folder.
 */
export function spawnSource(script: string, env: Record<string, string>, cwd = repoRoot): SpawnedProcess {
  return spawnCommand(process.execPath, ['--import', tsxLoader, join(repoRoot, script)], env, script, cwd);
}

/** The production mode's settings for a server or worker process: this database, this Redis, this gateway. */
export function productionEnv(options: {
  databaseUrl: string;
  redisUrl: string;
  gateway: FakeSmsGateway;
}): Record<string, string> {
  const suffix = randomBytes(4).toString('hex');
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: `test:${inject('runId')}:${suffix}:`,
    SMS_QUEUE_NAME: `sms-${suffix}`,
    SMS_PROVIDER: 'http',
    SMS_GATEWAY_URL: options.gateway.url,
    SMS_USERNAME: 'tekana',
    SMS_PASSWORD: 'gateway-secret',
    SMS_SENDER: 'Tekana',
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_LOGIN_PER_IP: '100000',
    RATE_LIMIT_OTP_PER_IP: '100000',
  };
}

export type ServerProcess = SpawnedProcess & { base: string };

/** `apps/server/src/main.ts` on a port of its own, resolved once /health answers. */
export async function startServerProcess(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  const server = spawnSource('apps/server/src/main.ts', { ...env, PORT: String(chosen) });
  const base = `http://127.0.0.1:${chosen}`;
  try {
    await waitForHealth(`${base}/health`, server);
  } catch (error) {
    await server.kill();
    throw error;
  }
  return { ...server, base };
}

/** An admin, made as `pnpm admin:create` makes one, signed in with the OTP the gateway received. */
export async function adminToken(
  base: string,
  databaseUrl: string,
  gateway: FakeSmsGateway,
): Promise<string> {
  const input = newCustomerInput({ firstName: 'Admin' });
  const database = createDatabase({ databaseUrl, dataDir: '' });
  await systemActor(database.db)
    .then((createdBy) => createAdmin(database, input, createdBy))
    .finally(() => database.close());
  const since = gateway.posts.length;
  const login = await rest(base, 'POST', '/customers/login', {
    email: input.email,
    password: input.password,
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.body.message}`);
  const sms = await gateway.waitFor(input.phoneNumber, since);
  const otp = /\b(\d{6})\b/.exec(sms.message)?.[1];
  const validated = await rest(base, 'PUT', '/customers/validateOtp', {
    phoneNumber: input.phoneNumber,
    otp,
  });
  if (!validated.body.token) throw new Error(`validateOtp answered ${validated.status}`);
  return validated.body.token;
}

/** A registered customer (never signed in: the admin posts for them) with a wallet the admin opened. */
export async function customerWithWallet(
  base: string,
  token: string,
  walletTypeCode = 'PERSONAL',
): Promise<{ customer: Customer; wallet: Wallet }> {
  const registered = await rest<Customer>(base, 'POST', '/customers/register', newCustomerInput());
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const customer = registered.body.data;
  const opened = await rest<Wallet>(
    base,
    'POST',
    '/wallets',
    { customerId: customer.id, walletTypeCode, currencyCode: 'RWF' },
    token,
  );
  if (opened.status !== 201) throw new Error(`opening a wallet answered ${opened.status}`);
  return { customer, wallet: opened.body.data };
}

export async function floatWalletOf(base: string, token: string): Promise<Wallet> {
  const floats = await rest<{ items: Wallet[] }>(
    base,
    'GET',
    '/wallets?wallet_type_code=FLOAT&currency_code=RWF',
    undefined,
    token,
  );
  const float = floats.body.data.items[0];
  if (!float) throw new Error('no RWF float wallet');
  return float;
}

export function postTransaction(
  base: string,
  token: string,
  transactionTypeCode: string,
  debitedWalletId: string,
  creditedWalletId: string,
  amount: number,
) {
  const body: TransactionCreateInput = {
    externalReferenceNumber: `ops-${randomBytes(8).toString('hex')}`,
    transactionTypeCode,
    debitedWalletId,
    creditedWalletId,
    amount,
    channelType: 'APP',
  };
  return rest<Transaction>(base, 'POST', '/transactions', body, token);
}
