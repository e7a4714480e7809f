import {
  emailSchema,
  idNumberSchema,
  idSchema,
  isValidAccountNumber,
  phoneNumberSchema,
} from '@tekana/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase, type OwnDatabase } from '../../../../test/own-database';
import { createDatabase } from '../client';
import { verifyLedger } from '../verify';
import { type ScaleSeedResult, seedScale } from '.';

const SIZE = { customers: 2_000, postings: 20_000 };
const silent = { start() {}, advance() {}, end() {} };
// Not a real hash: these customers never log in here.
const passwordHash = '$argon2id$v=19$m=65536,t=3,p=4$c2VlZA$c2VlZA';

let own: OwnDatabase | undefined;
let sql: postgres.Sql;
let database: ReturnType<typeof createDatabase>;
let first: ScaleSeedResult;
let indexesBefore: string[];

const indexes = async () =>
  (
    await sql<{ def: string }[]>`
      select indexdef as def from pg_indexes where tablename in ('customers', 'wallets', 'transactions')
      union all
      select conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
      where conrelid in ('customers'::regclass, 'wallets'::regclass, 'transactions'::regclass)
      order by 1`
  ).map((r) => r.def);

beforeAll(async () => {
  own = await createOwnDatabase({ label: 'scale', verifyLedger: false });
  database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  await database.migrate();
  sql = postgres(own.url, { max: 1, onnotice: () => {} });
  indexesBefore = await indexes();
  first = await seedScale(sql, { ...SIZE, passwordHash }, silent);
}, 120_000);
afterAll(async () => {
  await sql?.end();
  await database?.close();
  await own?.drop();
});

describe('pnpm seed:scale', () => {
  it('seeds the customers and postings asked for, over the last twelve months', async () => {
    expect(first.seeded).toBe(true);
    const [counts] = await sql<{ customers: number; postings: number; days: number; reversed: number }[]>`
      select (select count(*)::int from customers where role = 'CUSTOMER') as customers,
        (select count(*)::int from transactions) as postings,
        (select extract(day from max(created_at) - min(created_at))::int from transactions) as days,
        (select count(*)::int from transactions where status = 'REVERSED') as reversed`;
    expect(counts).toMatchObject({ customers: SIZE.customers, postings: SIZE.postings });
    expect(counts?.days).toBeGreaterThanOrEqual(364);
    expect(counts?.reversed).toBeGreaterThan(0);
  });

  it('leaves a ledger that pnpm verify passes', async () => {
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('records after each posting the balance each wallet then held, never below 0 but on FLOAT', async () => {
    const [check] = await sql<{ wrong: number; negative: number }[]>`
      with legs as (
        select debited_wallet_id as wallet, created_at, id, -amount as delta, debited_wallet_balance as balance
        from transactions
        union all
        select credited_wallet_id, created_at, id, amount, credited_wallet_balance from transactions
      ), running as (
        select wallet, delta, balance, lag(balance) over (partition by wallet order by created_at, id) as before
        from legs
      )
      select count(*) filter (where balance <> coalesce(before, 0) + delta)::int as wrong,
        count(*) filter (where balance < 0 and wallet not in (
          select w.id from wallets w join wallet_types t on t.id = w.wallet_type_id where t.allow_negative_balance
        ))::int as negative
      from running`;
    expect(check).toEqual({ wrong: 0, negative: 0 });
  });

  it('writes customers, wallets and references the contracts and the app accept', async () => {
    const people = await sql<{ id: string; email: string; phone: string; idNumber: string }[]>`
      select id, email, phone_number as phone, id_number as "idNumber" from customers where role = 'CUSTOMER'`;
    for (const p of people) {
      expect(idSchema.safeParse(p.id).success).toBe(true);
      expect(emailSchema.parse(p.email)).toBe(p.email);
      expect(phoneNumberSchema.parse(p.phone)).toBe(p.phone);
      expect(idNumberSchema.parse(p.idNumber)).toBe(p.idNumber);
    }
    const accounts = await sql<{ id: string; accountNumber: string }[]>`
      select id, account_number as "accountNumber" from wallets`;
    expect(
      accounts.every((w) => idSchema.safeParse(w.id).success && isValidAccountNumber(w.accountNumber)),
    ).toBe(true);
    const postings = await sql<{ id: string; reference: string; createdAt: Date }[]>`
      select id, reference_number as reference, created_at as "createdAt" from transactions
      order by random() limit 2000`;
    for (const t of postings) {
      expect(idSchema.safeParse(t.id).success).toBe(true);
      // As makeReferenceNumber writes them: TX, the UTC time to the millisecond, 8 Crockford characters.
      const time = t.createdAt.toISOString().replace(/\D/g, '').slice(2, 17);
      expect(t.reference).toMatch(new RegExp(`^TX${time}[0-9A-HJKMNP-TV-Z]{8}$`));
    }
  });

  it('rebuilds every key, index and foreign key it dropped for the load', async () => {
    expect(await indexes()).toEqual(indexesBefore);
  });

  it('adds nothing when run again, and refuses a seed of another size', async () => {
    const [before] = await sql<{ n: number }[]>`select count(*)::int as n from transactions`;
    expect((await seedScale(sql, { ...SIZE, passwordHash }, silent)).seeded).toBe(false);
    await expect(
      seedScale(sql, { customers: SIZE.customers * 2, postings: SIZE.postings, passwordHash }, silent),
    ).rejects.toThrow(/another size/);
    const [after] = await sql<{ n: number }[]>`select count(*)::int as n from transactions`;
    expect(after?.n).toBe(before?.n);
  });
});
