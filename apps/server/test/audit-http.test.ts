import { randomBytes } from 'node:crypto';
import type {
  AuditEntry,
  Customer,
  Page,
  Rule,
  Transaction,
  TransactionBulkOutput,
  TransactionType,
  Wallet,
  WalletType,
} from '@tekana/contracts';
import { TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAdminAndSignIn,
  floatWallet,
  newCustomerInput,
  registerAndSignIn,
  type SignedIn,
  useTestServer,
} from './harness';
import { compileResponseSchema } from './openapi-response-schema';
import { runTsx } from './spawned-process';

const server = useTestServer();
let admin: SignedIn;
let customer: SignedIn;
let float: Wallet;

beforeAll(async () => {
  [admin, customer] = await Promise.all([createAdminAndSignIn(server), registerAndSignIn(server)]);
  float = await floatWallet(server, admin);
});

const ref = () => `audit-${randomBytes(8).toString('hex')}`;
const code = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex').toUpperCase()}`;

/** GET /audit with these query parameters, as the admin unless told otherwise. */
async function audit(query: Record<string, string>, token = admin.token) {
  return server.rest<Page<AuditEntry>>('GET', `/audit?${new URLSearchParams(query)}`, undefined, token);
}

/** The one audit row an action left on an entity (by the old snake_case parameter names, as the old frontend sends). */
async function onlyRow(entityId: string, action: string): Promise<AuditEntry> {
  const answer = await audit({ entity_id: entityId, action });
  expect(answer.status).toBe(200);
  expect(answer.body.data.items).toHaveLength(1);
  return answer.body.data.items[0] as AuditEntry;
}

async function ok<T>(answer: Promise<{ status: number; body: { data: T; message: string } }>, status = 200) {
  const { status: got, body } = await answer;
  expect(got, body.message).toBe(status);
  return body.data;
}

/** A PERSONAL RWF wallet the customer opened for themselves (not an admin action, so not audited). */
async function customerWallet(owner: SignedIn = customer) {
  const body = { walletTypeCode: 'PERSONAL', currencyCode: 'RWF' };
  return ok(server.rest<Wallet>('POST', '/wallets', body, owner.token), 201);
}

function post(actor: SignedIn, type: string, from: string, to: string, amount: number, key = ref()) {
  const body = {
    externalReferenceNumber: key,
    transactionTypeCode: type,
    debitedWalletId: from,
    creditedWalletId: to,
    amount,
  };
  return server.rest<Transaction>('POST', '/transactions', body, actor.token);
}

describe('who may read the audit log', () => {
  it('answers 401 without a token and 403 to a customer, over REST and tRPC', async () => {
    expect((await server.rest('GET', '/audit')).status).toBe(401);
    const refused = await audit({}, customer.token);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ status: 403, data: { code: 'FORBIDDEN' } });
    for (const [token, expected] of [
      [customer.token, 'FORBIDDEN'],
      [undefined, 'UNAUTHORIZED'],
    ] as const) {
      const error = await server
        .trpc(token)
        .audit.list.query({})
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as TRPCClientError<never>).data).toMatchObject({ code: expected });
    }
  });

  it('is in the OpenAPI document under its tag, with a description, and answers as the document says', async () => {
    type Operation = { tags?: string[]; description?: string; parameters?: { name: string }[] };
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const operation = document.paths['/audit']?.get;
    expect(operation?.tags).toEqual(['audit']);
    expect(operation?.description).toMatch(/admin action/);
    const names = (operation?.parameters ?? []).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['actorId', 'action', 'entityType', 'entityId', 'from', 'to']),
    );
    const validate = await compileResponseSchema(document);
    const wallet = await customerWallet();
    await ok(server.rest('PUT', `/wallets/${wallet.id}/status`, { status: 'DORMANT' }, admin.token));
    const answer = await audit({ entityId: wallet.id });
    expect(answer.body.data.items).toHaveLength(1);
    expect(validate('/audit', 'get', 200, answer.body)).toEqual([]);
    expect(validate('/audit', 'get', 403, (await audit({}, customer.token)).body)).toEqual([]);
  });
});

describe('each admin action over the API leaves one audit row', () => {
  it('for wallet types, transaction types and rules: nothing before a creation, the values before and after a change', async () => {
    const walletTypeBody = {
      code: code('W'),
      name: 'W',
      minimumTransactionAmount: 1,
      maximumTransactionAmount: 9,
    };
    const walletType = await ok(
      server.rest<WalletType>('POST', '/walletTypes', walletTypeBody, admin.token),
      201,
    );
    expect(await onlyRow(walletType.id, 'walletType.create')).toMatchObject({
      actorId: admin.customer.id,
      actorRole: 'ADMIN',
      entityType: 'walletType',
      before: null,
      after: walletType,
    });

    const typeBody = { code: code('T'), name: 'T', minimumAmount: 1, maximumAmount: 9 };
    const type = await ok(
      server.rest<TransactionType>('POST', '/transactionTypes', typeBody, admin.token),
      201,
    );
    const inactive = await ok(
      server.rest<TransactionType>(
        'PUT',
        `/transactionTypes/${type.id}/status`,
        { status: 'INACTIVE' },
        admin.token,
      ),
    );
    expect(await onlyRow(type.id, 'transactionType.create')).toMatchObject({ before: null, after: type });
    expect(await onlyRow(type.id, 'transactionType.setStatus')).toMatchObject({
      before: type,
      after: inactive,
    });

    const key = { transactionTypeId: type.id, walletTypeId: walletType.id };
    const created = await ok(
      server.rest<Rule>('PUT', '/rules', { ...key, debitAllowed: true, creditAllowed: false }, admin.token),
    );
    const updated = await ok(
      server.rest<Rule>('PUT', '/rules', { ...key, debitAllowed: true, creditAllowed: true }, admin.token),
    );
    const ruleId = `${type.id}:${walletType.id}`;
    expect(await onlyRow(ruleId, 'rule.create')).toMatchObject({
      entityType: 'rule',
      before: null,
      after: created,
    });
    expect(await onlyRow(ruleId, 'rule.update')).toMatchObject({ before: created, after: updated });
  });

  it('for wallets an admin opens or changes the status of, and none for a customer’s own', async () => {
    const own = await customerWallet();
    expect((await audit({ entityId: own.id })).body.data.items).toEqual([]);
    const opened = await ok(
      server.rest<Wallet>(
        'POST',
        '/wallets',
        { customerId: customer.customer.id, walletTypeCode: 'MERCHANT', currencyCode: 'RWF' },
        admin.token,
      ),
      201,
    );
    expect(await onlyRow(opened.id, 'wallet.create')).toMatchObject({ before: null, after: opened });
    const frozen = await ok(
      server.rest<Wallet>('PUT', `/wallets/${opened.id}/status`, { status: 'INACTIVE' }, admin.token),
    );
    expect(await onlyRow(opened.id, 'wallet.setStatus')).toMatchObject({
      entityType: 'wallet',
      before: opened,
      after: frozen,
    });
  });

  it('for deposits, withdrawals and reversals, with the postings as the API answered them', async () => {
    const wallet = await customerWallet();
    const deposit = await ok(post(admin, 'DEPOSIT', float.id, wallet.id, 900), 201);
    const withdrawal = await ok(post(admin, 'WITHDRAWAL', wallet.id, float.id, 100), 201);
    expect(await onlyRow(deposit.id, 'transaction.post')).toMatchObject({ before: null, after: deposit });
    expect(await onlyRow(withdrawal.id, 'transaction.post')).toMatchObject({
      before: null,
      after: withdrawal,
    });
    const reversal = await ok(
      server.rest<Transaction>('POST', `/transactions/${withdrawal.id}/reverse`, {}, admin.token),
      201,
    );
    expect(await onlyRow(withdrawal.id, 'transaction.reverse')).toMatchObject({
      before: withdrawal,
      after: { ...withdrawal, status: 'REVERSED', reversal },
    });
    const bulk = await ok(
      server.rest<TransactionBulkOutput>(
        'POST',
        '/transactions/bulk',
        {
          atomic: false,
          transactions: [1, 2].map((amount) => ({
            externalReferenceNumber: ref(),
            transactionTypeCode: 'DEPOSIT',
            debitedWalletId: float.id,
            creditedWalletId: wallet.id,
            amount,
          })),
        },
        admin.token,
      ),
    );
    for (const item of bulk.results) {
      const posted = item.data as Transaction;
      expect(await onlyRow(posted.id, 'transaction.post')).toMatchObject({ after: posted });
    }
  });

  it('for none of a customer’s postings, a refused admin posting or a replay', async () => {
    const wallet = await customerWallet();
    const other = await customerWallet(await registerAndSignIn(server));
    const key = ref();
    const deposit = await ok(post(admin, 'DEPOSIT', float.id, wallet.id, 50, key), 201);
    const replay = await ok(post(admin, 'DEPOSIT', float.id, wallet.id, 50, key), 201);
    expect(replay.id).toBe(deposit.id);
    expect((await audit({ entityId: deposit.id })).body.data.items).toHaveLength(1);
    const transfer = await ok(post(customer, 'TRANSFER', wallet.id, other.id, 20), 201);
    expect((await audit({ entityId: transfer.id })).body.data.items).toEqual([]);

    const refusedKey = ref();
    const refused = await post(admin, 'WITHDRAWAL', wallet.id, float.id, 1_000, refusedKey);
    expect(refused.status).toBe(422);
    const { items } = (await audit({ actorId: admin.customer.id, action: 'transaction.post', limit: '100' }))
      .body.data;
    expect(items.some((r) => r.after?.externalReferenceNumber === refusedKey)).toBe(false);
  });

  it('for an admin made by `pnpm admin:create`, as the system account’s act', async () => {
    const input = newCustomerInput({ firstName: 'Ops' });
    const args = ['--email', input.email, '--phone', input.phoneNumber, '--password', input.password];
    const names = [
      '--first-name',
      input.firstName,
      '--last-name',
      input.lastName,
      '--id-number',
      input.idNumber,
    ];
    const run = await runTsx(
      'apps/server/src/cli/admin-create.ts',
      [...args, ...names],
      { PATH: process.env.PATH ?? '', DATABASE_URL: server.env.DATABASE_URL ?? '', LOG_LEVEL: 'silent' },
      45_000,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(run.stdout)?.[1] ?? '';
    const system = await ok(
      server.rest<Page<Customer>>('GET', '/customers?role=SYSTEM', undefined, admin.token),
    );
    const row = await onlyRow(id, 'admin.create');
    expect(row).toMatchObject({
      actorId: system.items[0]?.id,
      actorRole: 'SYSTEM',
      entityType: 'customer',
      before: null,
      after: { id, email: input.email, role: 'ADMIN' },
    });
    expect(JSON.stringify(row)).not.toContain(input.password);
  });
});

describe('listing the audit log', () => {
  /** An admin of its own with `count` status changes of a wallet, one after another; an odd count leaves it ACTIVE. */
  async function adminWithChanges(count: number) {
    const own = await createAdminAndSignIn(server);
    const wallet = await customerWallet();
    for (let i = 0; i < count; i++) {
      const status = i % 2 ? 'DORMANT' : 'ACTIVE';
      await ok(server.rest('PUT', `/wallets/${wallet.id}/status`, { status }, own.token));
    }
    return { own, wallet };
  }

  it('pages newest first with limit and cursor, without repeats or gaps, as REST and tRPC alike', async () => {
    const { own } = await adminWithChanges(7);
    const all = await audit({ actorId: own.customer.id });
    expect(all.body.data.items).toHaveLength(7);
    expect(all.body.data.nextCursor).toBeNull();
    const times = all.body.data.items.map((r) => r.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    const pages: AuditEntry[][] = [];
    for (let cursor: string | null | undefined; cursor !== null; ) {
      const page = await audit({ actorId: own.customer.id, limit: '3', ...(cursor ? { cursor } : {}) });
      pages.push(page.body.data.items);
      cursor = page.body.data.nextCursor;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(all.body.data.items);

    const viaTrpc = await server.trpc(admin.token).audit.list.query({ actorId: own.customer.id, limit: 3 });
    expect(viaTrpc.items).toEqual(pages[0]);
    expect((await audit({ limit: '101' })).status).toBe(400);
    expect((await audit({ cursor: 'not-one-of-ours' })).status).toBe(400);
  });

  it('filters by actor, action, entity type, entity id and a time range, both ends inclusive', async () => {
    const { own, wallet } = await adminWithChanges(3);
    const deposit = await ok(post(own, 'DEPOSIT', float.id, wallet.id, 5), 201);
    const mine = (await audit({ actorId: own.customer.id })).body.data.items;
    expect(mine.map((r) => r.action).sort()).toEqual([
      'transaction.post',
      'wallet.setStatus',
      'wallet.setStatus',
      'wallet.setStatus',
    ]);
    const ids = (query: Record<string, string>) =>
      audit({ actorId: own.customer.id, ...query }).then((a) => a.body.data.items.map((r) => r.id));
    const changes = mine.filter((r) => r.action === 'wallet.setStatus').map((r) => r.id);
    const posted = mine.filter((r) => r.action === 'transaction.post').map((r) => r.id);
    expect(await ids({ action: 'wallet.setStatus' })).toEqual(changes);
    expect(await ids({ entity_type: 'transaction' })).toEqual(posted);
    expect(await ids({ entityId: deposit.id })).toEqual(posted);
    expect(await ids({ entityType: 'wallet', entityId: wallet.id })).toEqual(changes);

    const [newest, , , oldest] = mine;
    const between = await ids({ from: oldest?.createdAt ?? '', to: newest?.createdAt ?? '' });
    expect(between).toEqual(mine.map((r) => r.id));
    const after = new Date(Date.parse(newest?.createdAt ?? '') + 1).toISOString();
    expect(await ids({ from: after })).toEqual([]);
    const before = new Date(Date.parse(oldest?.createdAt ?? '') - 1).toISOString();
    expect(await ids({ to: before })).toEqual([]);

    expect((await audit({ action: 'wallet.delete' })).status).toBe(400);
    expect((await audit({ actorId: 'not-a-uuid' })).status).toBe(400);
    expect((await audit({ from: 'yesterday' })).status).toBe(400);
    // Postgres text cannot hold a NUL byte: bad input, not a 500.
    expect((await audit({ entityId: 'a\u0000b' })).status).toBe(400);
  });
});
