import { randomUUID } from 'node:crypto';
import type { Actor } from '@tekana/contracts';
import { type Database, SCALE_SEED_HOT_MERCHANT, scaleSeedPhoneNumber, schema } from '@tekana/db';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../test/ledger-at-0003';
import { nodesOf, relationsScanned, tableOf } from '../../test/query-plans';
import { createSeededDatabase, type SeededDatabase, useSeededDatabase } from '../../test/seeded-database';
import { createMemoryRateLimiter } from '../ports/rate-limiter';
import { createCustomerService } from './customers';
import { createStatementService } from './statements';
import { createTransactionService } from './transactions';
import { createWalletService } from './wallets';

/**
 * Every list (and lookup) as the services build it, EXPLAINed on a ledger shaped like production's
 * (`pnpm seed:scale`'s code, 20,000 customers and 200,000 postings, ANALYZEd): none may read customers,
 * wallets or transactions whole. At a million customers a sequential scan is a second or more per read.
 * SEEDED_DATABASE_URL names a database `pnpm seed:scale` filled instead (say at full size), used as it is.
 */
const SIZE = { customers: 20_000, postings: 200_000 };
const WATCHED = new Set(['customers', 'wallets', 'transactions', 'posting_keys']);
type Captured = { sql: string; params: unknown[] };
let seeded: SeededDatabase;
let captured: Captured[] = [];
let services: {
  customers: ReturnType<typeof createCustomerService>;
  wallets: ReturnType<typeof createWalletService>;
  transactions: ReturnType<typeof createTransactionService>;
  statements: ReturnType<typeof createStatementService>;
};
let sample: Awaited<ReturnType<typeof readSample>>;
/** The months made ahead hold no postings yet: the planner rightly reads an empty table whole, at no cost. */
let emptyMonths: Set<string>;
const admin: Actor = { id: randomUUID(), role: 'ADMIN' };
let customer: Actor;

beforeAll(async () => {
  const given = process.env.SEEDED_DATABASE_URL;
  seeded = given ? useSeededDatabase(given) : await createSeededDatabase(SIZE);
  // The services' own queries, logged by drizzle as they run them.
  const client = postgres(seeded.url, { max: 2, onnotice: () => {} });
  const logged = drizzle(client, {
    schema,
    logger: { logQuery: (sql, params) => void captured.push({ sql, params }) },
  }) as unknown as Database['db'];
  const database: Database = { ...seeded.database, db: logged, reader: logged };
  const wallets = createWalletService({
    database,
    limits: {
      walletLookupPerCaller: createMemoryRateLimiter('lookup', { points: 1e6, durationSeconds: 60 }),
    },
  });
  services = {
    customers: createCustomerService({ database }),
    wallets,
    transactions: createTransactionService({ database }),
    statements: createStatementService({ database, wallets }),
  };
  sample = await readSample(seeded.client);
  const months = await seeded.client<{ name: string; empty: boolean }[]>`
    select c.relname as name, pg_relation_size(c.oid) = 0 as empty
    from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'transactions'::regclass`;
  emptyMonths = new Set(months.filter((m) => m.empty).map((m) => m.name));
  customer = { id: sample.merchantOwner.id, role: 'CUSTOMER' };
}, 120_000);
afterAll(async () => {
  await seeded?.drop();
});

/** Values to filter on, read from the seeded rows. */
async function readSample(sql: postgres.Sql) {
  const [merchantOwner] = await sql<{ id: string }[]>`
    select id from customers where phone_number = ${scaleSeedPhoneNumber(SCALE_SEED_HOT_MERCHANT)}`;
  const [someone] = await sql<
    { id: string; email: string; phone: string; idNumber: string; firstName: string; lastName: string }[]
  >`select id, email, phone_number as phone, id_number as "idNumber", first_name as "firstName",
      last_name as "lastName"
    from customers where phone_number = ${scaleSeedPhoneNumber(777)}`;
  const walletsOf = (id: string) => sql<{ id: string; code: string; accountNumber: string }[]>`
    select w.id, t.code, w.account_number as "accountNumber" from wallets w
    join wallet_types t on t.id = w.wallet_type_id where w.customer_id = ${id} order by t.code`;
  const [float] = await sql<{ id: string; walletTypeId: string }[]>`
    select w.id, w.wallet_type_id as "walletTypeId" from wallets w join wallet_types t on t.id = w.wallet_type_id
    where t.code = 'FLOAT' and w.currency_code = 'RWF'`;
  const [deposit] = await sql<{ id: string }[]>`select id from transaction_types where code = 'DEPOSIT'`;
  const [posting] = await sql<
    { id: string; referenceNumber: string; externalReferenceNumber: string; createdAt: Date }[]
  >`select id, reference_number as "referenceNumber", external_reference_number as "externalReferenceNumber",
      created_at as "createdAt"
    from transactions where debited_wallet_id = ${(await walletsOf(someone?.id ?? ''))[0]?.id ?? ''}
    order by created_at limit 1`;
  const [reversed] = await sql<
    { id: string }[]
  >`select id from transactions where status = 'REVERSED' limit 1`;
  if (!merchantOwner || !someone || !float || !deposit || !posting || !reversed) {
    throw new Error('the seeded database lacks a sample');
  }
  const merchantWallets = await walletsOf(merchantOwner.id);
  const merchant = merchantWallets.find((w) => w.code === 'MERCHANT');
  const someoneWallet = (await walletsOf(someone.id))[0];
  if (!merchant || !someoneWallet) throw new Error('the seeded customers lack their wallets');
  return { merchantOwner, merchant, someone, someoneWallet, float, deposit, posting, reversed };
}

/** Every plan node that reads one of the big tables whole (an empty month aside). */
function sequentialScans(plan: unknown): string[] {
  return relationsScanned(plan)
    .filter((relation) => WATCHED.has(tableOf(relation)) && !emptyMonths.has(relation))
    .map((relation) => `Seq Scan on ${relation}`);
}

/** Runs `call`, then EXPLAINs each query it made with the values it sent. */
async function plansOf(call: () => Promise<unknown>): Promise<{ sql: string; plan: unknown }[]> {
  captured = [];
  await call();
  const plans: { sql: string; plan: unknown }[] = [];
  for (const { sql, params } of captured) {
    const [row] = await seeded.client.unsafe(`explain (format json) ${sql}`, params as never[]);
    plans.push({ sql, plan: (row as Record<string, unknown>)['QUERY PLAN'] });
  }
  return plans;
}

/** Runs `call`, then EXPLAINs each query it made with the values it sent; answers the scans found. */
async function scansOf(call: () => Promise<unknown>): Promise<string[]> {
  return (await plansOf(call)).flatMap(({ sql, plan }) => {
    const scans = sequentialScans(plan);
    return scans.length > 0 ? [`${scans.join(', ')} in: ${sql}`] : [];
  });
}

/** The months of transactions a plan reads (before any pruning at run time). */
function monthsRead(plan: unknown): Set<string> {
  return new Set(
    nodesOf(plan)
      .map((node) => String(node['Relation Name'] ?? ''))
      .filter((relation) => /^transactions_p\d{4}_\d{2}$/.test(relation)),
  );
}

const day = 86_400_000;
/** A wallet's statement for the last `days` days. */
const period = (id: string, days: number) => ({
  id,
  from: new Date(Date.now() - days * day),
  to: new Date(),
});

describe('no list reads a whole table', () => {
  const cases: [string, () => Promise<unknown>][] = [
    ['customers: the admin list, newest first', () => services.customers.list(admin, {})],
    [
      'customers: by first name',
      () => services.customers.list(admin, { firstName: sample.someone.firstName }),
    ],
    ['customers: by last name', () => services.customers.list(admin, { lastName: sample.someone.lastName })],
    [
      'customers: by first and last name',
      () =>
        services.customers.list(admin, {
          firstName: sample.someone.firstName,
          lastName: sample.someone.lastName,
        }),
    ],
    ['customers: by email', () => services.customers.list(admin, { email: sample.someone.email })],
    [
      'customers: by phone number',
      () => services.customers.list(admin, { phoneNumber: sample.someone.phone }),
    ],
    ['customers: by id number', () => services.customers.list(admin, { idNumber: sample.someone.idNumber })],
    ['customers: by id', () => services.customers.list(admin, { id: sample.someone.id })],
    ['customers: by id type', () => services.customers.list(admin, { idType: 'PASSPORT' })],
    ['customers: by gender', () => services.customers.list(admin, { gender: 'FEMALE' })],
    ['customers: the admins', () => services.customers.list(admin, { role: 'ADMIN' })],
    ['customers: the customers', () => services.customers.list(admin, { role: 'CUSTOMER' })],
    ['customers: a customer lists self', () => services.customers.list(customer, {})],
    ['customers: find by email', () => services.customers.find(admin, { email: sample.someone.email })],
    ['customers: find by phone', () => services.customers.find(admin, { phoneNumber: sample.someone.phone })],
    [
      'customers: find by id number',
      () => services.customers.find(admin, { idNumber: sample.someone.idNumber }),
    ],
    ['wallets: the admin list, newest first', () => services.wallets.list(admin, {})],
    ['wallets: a customer’s own', () => services.wallets.list(customer, {})],
    ['wallets: by customer', () => services.wallets.list(admin, { customerId: sample.someone.id })],
    [
      'wallets: the FLOAT ones, by type code',
      () => services.wallets.list(admin, { walletTypeCode: 'FLOAT' }),
    ],
    ['wallets: MERCHANT, by type code', () => services.wallets.list(admin, { walletTypeCode: 'MERCHANT' })],
    ['wallets: by type id', () => services.wallets.list(admin, { walletTypeId: sample.float.walletTypeId })],
    ['wallets: in USD', () => services.wallets.list(admin, { currencyCode: 'USD' })],
    [
      'wallets: by account number',
      () => services.wallets.list(admin, { accountNumber: sample.someoneWallet.accountNumber }),
    ],
    ['wallets: DORMANT', () => services.wallets.list(admin, { status: 'DORMANT' })],
    ['wallets: ACTIVE', () => services.wallets.list(admin, { status: 'ACTIVE' })],
    ['wallets: by id', () => services.wallets.get(admin, sample.someoneWallet.id)],
    ['transactions: the admin list, newest first', () => services.transactions.list(admin, {})],
    [
      'transactions: a hot wallet, newest first',
      () => services.transactions.list(admin, { walletId: sample.merchant.id }),
    ],
    ['transactions: the FLOAT', () => services.transactions.list(admin, { walletId: sample.float.id })],
    [
      'transactions: a wallet, a later page',
      async () => {
        const first = await services.transactions.list(admin, { walletId: sample.merchant.id, limit: 100 });
        return services.transactions.list(admin, {
          walletId: sample.merchant.id,
          cursor: first.nextCursor ?? '',
        });
      },
    ],
    [
      'transactions: a wallet in a date range',
      () =>
        services.transactions.list(admin, {
          walletId: sample.merchant.id,
          createdFrom: new Date(Date.now() - 90 * day),
          createdTo: new Date(Date.now() - 60 * day),
        }),
    ],
    [
      'transactions: debits of a wallet',
      () => services.transactions.list(admin, { debitedWalletId: sample.someoneWallet.id }),
    ],
    [
      'transactions: credits of a wallet',
      () => services.transactions.list(admin, { creditedWalletId: sample.merchant.id }),
    ],
    [
      'transactions: by type',
      () => services.transactions.list(admin, { transactionTypeId: sample.deposit.id }),
    ],
    [
      'transactions: of a type never posted',
      () => services.transactions.list(admin, { transactionTypeId: randomUUID() }),
    ],
    ['transactions: REVERSED', () => services.transactions.list(admin, { status: 'REVERSED' })],
    ['transactions: PENDING (none)', () => services.transactions.list(admin, { status: 'PENDING' })],
    ['transactions: by channel', () => services.transactions.list(admin, { channelType: 'KIOSK' })],
    ['transactions: in USD', () => services.transactions.list(admin, { currencyCode: 'USD' })],
    [
      'transactions: by reference',
      () => services.transactions.list(admin, { referenceNumber: sample.posting.referenceNumber }),
    ],
    [
      'transactions: by external reference',
      () =>
        services.transactions.list(admin, {
          externalReferenceNumber: sample.posting.externalReferenceNumber,
        }),
    ],
    [
      'transactions: by reversalOf',
      () => services.transactions.list(admin, { reversalOf: sample.reversed.id }),
    ],
    ['transactions: by amount', () => services.transactions.list(admin, { amount: 5_000 })],
    [
      'transactions: by amount range',
      () => services.transactions.list(admin, { minAmount: 1_000_000, maxAmount: 2_000_000 }),
    ],
    [
      'transactions: in a date range',
      () =>
        services.transactions.list(admin, {
          createdFrom: new Date(Date.now() - 30 * day),
          createdTo: new Date(Date.now() - 29 * day),
        }),
    ],
    ['transactions: by id', () => services.transactions.list(admin, { id: sample.posting.id })],
    ['transactions: get by id', () => services.transactions.get(admin, sample.posting.id)],
    ['transactions: a customer’s own, newest first', () => services.transactions.list(customer, {})],
    [
      'transactions: a customer’s wallet',
      () => services.transactions.list(customer, { walletId: sample.merchant.id }),
    ],
    [
      'transactions: a customer naming another’s wallet',
      () => services.transactions.list(customer, { walletId: sample.someoneWallet.id }),
    ],
    [
      'transactions: a customer’s, in a date range',
      () =>
        services.transactions.list(customer, {
          createdFrom: new Date(Date.now() - 30 * day),
          createdTo: new Date(Date.now() - 29 * day),
        }),
    ],
    [
      'transactions: a customer’s, by reference',
      () => services.transactions.list(customer, { referenceNumber: sample.posting.referenceNumber }),
    ],
    [
      'transactions: a customer’s REVERSED',
      () => services.transactions.list(customer, { status: 'REVERSED' }),
    ],
    [
      'transactions: a customer gets one by id',
      () => services.transactions.get(customer, sample.posting.id).catch(() => null),
    ],
    [
      'statements: a hot wallet over 90 days, the first page',
      () => services.statements.statement(admin, period(sample.merchant.id, 90)),
    ],
    [
      'statements: a hot wallet, a later page',
      async () => {
        const first = await services.statements.statement(admin, {
          ...period(sample.merchant.id, 90),
          limit: 100,
        });
        return services.statements.statement(admin, {
          ...period(sample.merchant.id, 90),
          cursor: first.nextCursor ?? '',
        });
      },
    ],
    [
      'statements: a hot wallet, a period long past, a later page (opening and cursor balance from every posting since)',
      async () => {
        const past = {
          id: sample.merchant.id,
          from: new Date(Date.now() - 90 * day),
          to: new Date(Date.now() - 60 * day),
        };
        const first = await services.statements.statement(admin, { ...past, limit: 100 });
        return services.statements.statement(admin, { ...past, cursor: first.nextCursor ?? '' });
      },
    ],
    [
      'statements: the FLOAT over a year (its totals over every posting)',
      () => services.statements.statement(admin, period(sample.float.id, 366)),
    ],
    [
      'statements: a customer’s own wallet',
      () => services.statements.statement(customer, period(sample.merchant.id, 30)),
    ],
    [
      'statements: the CSV download’s first pages',
      async () => {
        const { pages } = await services.statements.allLines(admin, period(sample.merchant.id, 366));
        for (let i = 0; i < 2; i++) await pages.next();
        await pages.return(undefined);
      },
    ],
  ];

  it.each(cases)('%s', async (_name, call) => {
    expect(await scansOf(call)).toEqual([]);
  });
});

describe('postings by month', () => {
  it('reads only the months a date range meets', async () => {
    const from = new Date(Date.now() - 45 * day);
    const to = new Date(from.getTime() + day);
    const plans = await plansOf(() =>
      services.transactions.list(admin, { createdFrom: from, createdTo: to }),
    );
    const read = new Set(plans.flatMap(({ plan }) => [...monthsRead(plan)]));
    expect(read).toEqual(new Set([partitionOf(from), partitionOf(to)]));
  });

  it('pages a hot wallet across every month from each month’s index, in order, with no sort', async () => {
    const first = await services.transactions.list(admin, { walletId: sample.merchant.id, limit: 100 });
    const plans = await plansOf(() =>
      services.transactions.list(admin, { walletId: sample.merchant.id, cursor: first.nextCursor ?? '' }),
    );
    const page = plans.find(({ plan }) => monthsRead(plan).size > 1);
    expect(monthsRead(page?.plan).size, 'the page reads every month').toBeGreaterThan(6);
    const nodes = nodesOf(page?.plan);
    // Months are ranges of created_at: newest first, an ordered Append reads them one after the other
    // (a Merge Append where they interleave), each from its index, and stops at the page's end.
    const monthScans = nodes.filter((n) => /^transactions_p/.test(String(n['Relation Name'] ?? '')));
    const filled = monthScans.filter((n) => !emptyMonths.has(String(n['Relation Name'])));
    expect(new Set(filled.map((n) => n['Node Type']))).toEqual(new Set(['Index Scan']));
    expect(nodes.filter((n) => n['Node Type'] === 'Sort' && monthsRead(n).size > 0)).toEqual([]);
  });
});
