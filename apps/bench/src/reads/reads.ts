import { randomInt } from 'node:crypto';
import { LAST_NAMES, SCALE_SEED_HOT_MERCHANT, scaleSeedPhoneNumber } from '@tekana/db';
import type postgres from 'postgres';
import type { ReadRequest } from './measure';

/** What the reads draw from: seeded customers, postings and times, read from the database once. */
export type Samples = Awaited<ReturnType<typeof readSamples>>;

const SAMPLE_SIZE = 2_000;
const pick = <T>(items: T[]): T => items[randomInt(items.length)] as T;

export async function readSamples(sql: postgres.Sql) {
  const [owner] = await sql<{ id: string; email: string; phone: string }[]>`
    select id, email, phone_number as phone from customers
    where phone_number = ${scaleSeedPhoneNumber(SCALE_SEED_HOT_MERCHANT)}`;
  if (!owner) throw new Error('no seeded hot merchant: run pnpm seed:scale on this database first');
  const [merchant] = await sql<{ id: string }[]>`
    select w.id from wallets w join wallet_types t on t.id = w.wallet_type_id
    where w.customer_id = ${owner.id} and t.code = 'MERCHANT'`;
  // A block sample (a few pages, wherever they fall) is enough to draw from, and costs little on 10M rows.
  const share = async (table: 'customers' | 'transactions') => {
    const [row] = await sql<
      { rows: number }[]
    >`select reltuples::float8 as rows from pg_class where relname = ${table}`;
    return Math.min(100, (100 * 20 * SAMPLE_SIZE) / Math.max(1, row?.rows ?? 1));
  };
  const customers = await sql<
    { email: string; phone: string; idNumber: string; firstName: string; lastName: string }[]
  >`
    select email, phone_number as phone, id_number as "idNumber", first_name as "firstName", last_name as "lastName"
    from customers tablesample system (${await share('customers')}) where role = 'CUSTOMER' limit ${SAMPLE_SIZE}`;
  const postings = await sql<{ id: string; reference: string }[]>`
    select id, reference_number as reference from transactions tablesample system (${await share('transactions')})
    limit ${SAMPLE_SIZE}`;
  const [span] = await sql<{ from: Date; to: Date }[]>`
    select min(created_at) as from, max(created_at) as to from transactions`;
  if (!merchant || customers.length === 0 || postings.length === 0 || !span) {
    throw new Error('the seeded database has no customers or postings to read');
  }
  return { owner, merchant, customers, postings, span };
}

export type Tokens = { admin: string; customer: string };
export type Read = { name: string; next: () => ReadRequest };

/** A window of `days` days within the ledger's time, anywhere. */
function window(span: { from: Date; to: Date }, days: number) {
  const length = days * 86_400_000;
  const from =
    span.from.getTime() + Math.random() * Math.max(0, span.to.getTime() - span.from.getTime() - length);
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  return `createdFrom=${iso(from)}&createdTo=${iso(from + length)}`;
}

/**
 * Every read a user triggers: the admin's lookups and lists (random seeded customers and postings), and
 * the seeded customer's own (the hot merchant, whose MERCHANT wallet has the longest history). `deep` is
 * the cursor reached in that wallet and the steps it took, which its read is named after.
 */
export function reads(samples: Samples, tokens: Tokens, deep: { cursor: string; steps: number }): Read[] {
  const admin = (path: () => string) => () => ({ path: `/api/v1${path()}`, token: tokens.admin });
  const customer = (path: () => string) => () => ({ path: `/api/v1${path()}`, token: tokens.customer });
  const someone = () => pick(samples.customers);
  const q = encodeURIComponent;
  const wallet = samples.merchant.id;
  return [
    { name: 'customer by email', next: admin(() => `/customers/find?email=${q(someone().email)}`) },
    {
      name: 'customer by phone number',
      next: admin(() => `/customers/find?phone_number=${q(someone().phone)}`),
    },
    {
      name: 'customer by id number',
      next: admin(() => `/customers/find?id_number=${q(someone().idNumber)}`),
    },
    { name: 'customers, newest first (admin)', next: admin(() => '/customers') },
    {
      name: 'customers by last name (admin)',
      next: admin(() => `/customers?last_name=${q(pick(LAST_NAMES))}`),
    },
    {
      name: 'customers by first and last name (admin)',
      next: admin(() => {
        const c = someone();
        return `/customers?first_name=${q(c.firstName)}&last_name=${q(c.lastName)}`;
      }),
    },
    { name: 'customers: the admins (admin)', next: admin(() => '/customers?role=ADMIN') },
    { name: "a customer's wallets", next: customer(() => '/wallets') },
    { name: "a wallet's transactions, first page", next: customer(() => `/transactions?walletId=${wallet}`) },
    {
      name: `a wallet's transactions, after ${deep.steps.toLocaleString('en-US')} cursor steps`,
      next: customer(() => `/transactions?walletId=${wallet}&cursor=${q(deep.cursor)}`),
    },
    { name: "a customer's transactions, newest first", next: customer(() => '/transactions') },
    {
      name: 'transaction by reference (admin)',
      next: admin(() => `/transactions?referenceNumber=${q(pick(samples.postings).reference)}`),
    },
    {
      name: 'transactions in a date range (admin)',
      next: admin(() => `/transactions?${window(samples.span, 1)}`),
    },
    {
      name: "a customer's transactions in a date range",
      next: customer(() => `/transactions?${window(samples.span, 7)}`),
    },
    { name: 'transaction by id (admin)', next: admin(() => `/transactions/${pick(samples.postings).id}`) },
  ];
}
