import { ACCOUNT_NUMBER_LENGTH } from '@tekana/contracts';

/**
 * The seed's shape, in numbers. Everything it writes is a pure function of these and of a slot number:
 * slot s (1..postings) is the s-th posting in time; customer k (1..customers) registers just before
 * slot blockStart(k) and opens 1 to 3 wallets there, each funded by the deposit in the next slots.
 */
export type SeedShape = {
  customers: number;
  postings: number;
  /** Epoch milliseconds of slot 1, and the span the slots cover. */
  startMs: number;
  spanMs: number;
  /** Amounts are 100 × (1..amountSteps): small enough that every opening deposit stays under 10,000,000. */
  amountSteps: number;
  floatRwfId: string;
  floatUsdId: string;
};

/** A reversal follows its original REVERSAL_LAG slots later; one slot in REVERSAL_EVERY is reversed. */
export const REVERSAL_LAG = 41;
export const REVERSAL_EVERY = 997;
/** Every 20th customer also holds a USD wallet, every 50th a MERCHANT wallet. */
export const USD_EVERY = 20;
export const MERCHANT_EVERY = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Crockford's base 32, as makeReferenceNumber in the API writes references.
const READABLE = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Session-local SQL functions (pg_temp, gone with the connection) that the phases call per row. They are
 * plain SQL expressions, so Postgres inlines them: declared STABLE, as stable as their least stable part
 * (to_char), since a function declared stricter than its body is called, not inlined (5× slower). The
 * shape's numbers are written in as literals (checked integers, and uuids read from the database).
 */
export function seedFunctions(shape: SeedShape): string[] {
  const n = (value: number) => {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`seed: ${value} is not a count`);
    return String(value);
  };
  const uuid = (value: string) => {
    if (!UUID.test(value)) throw new Error(`seed: ${value} is not a uuid`);
    return `'${value}'::uuid`;
  };
  const C = n(shape.customers);
  const N = n(shape.postings);
  const fn = (signature: string, returns: string, body: string) =>
    `create or replace function pg_temp.${signature} returns ${returns} language sql stable parallel safe as $$ select ${body} $$`;
  return [
    // An RFC 9562 version-4 uuid (zod's z.uuid() accepts it) that is a pure function of (kind, n):
    // hashed bits, and in the last 48 n scrambled by an odd multiplier (a bijection mod 2^48), so that
    // no two n of a kind (a table) share one.
    fn(
      'seed_uuid(kind int, n bigint)',
      'uuid',
      `encode(int8send((hashint8extended(n, kind) & -61441) | 16384)
        || int8send((hashint8extended(n, kind + 64) & 4611404543450677248) | ((n * 181081183) & 281474976710655)
          | (1::bigint << 63)), 'hex')::uuid`,
    ),
    // A number in [0, m) drawn by slot (or customer) s from stream j.
    fn('pick(s bigint, j int, m bigint)', 'bigint', '(hashint8extended(s, j) & 2147483647) % m'),
    fn('unit(s bigint, j int)', 'float8', '(hashint8extended(s, j) & 4294967295)::float8 / 4294967296'),
    // What a wallet holds beyond what it will spend: its opening deposit is its debits plus this.
    fn('opening_extra(w bigint)', 'bigint', '1000 * (1 + pg_temp.pick(w, 15, 100))'),
    fn('customer_of(s bigint)', 'bigint', `(s * ${C} + ${N} - 1) / ${N}`),
    fn('block_start(k bigint)', 'bigint', `(k - 1) * ${N} / ${C} + 1`),
    fn('wallet_count(k bigint)', 'int', `1 + (k % ${USD_EVERY} = 0)::int + (k % ${MERCHANT_EVERY} = 0)::int`),
    // Wallets are numbered 1..W in the order they open: customer k's PERSONAL RWF, USD, MERCHANT.
    fn('wallet_base(k bigint)', 'bigint', `(k - 1) + (k - 1) / ${USD_EVERY} + (k - 1) / ${MERCHANT_EVERY}`),
    fn('personal_wallet(k bigint)', 'bigint', 'pg_temp.wallet_base(k) + 1'),
    fn('usd_wallet(k bigint)', 'bigint', 'pg_temp.wallet_base(k) + 2'),
    fn('merchant_wallet(k bigint)', 'bigint', `pg_temp.wallet_base(k) + 2 + (k % ${USD_EVERY} = 0)::int`),
    // A slot that is neither a deposit opening a wallet nor (by construction) taken by anything else.
    fn(
      'is_normal(s bigint)',
      'boolean',
      's - pg_temp.block_start(pg_temp.customer_of(s)) >= pg_temp.wallet_count(pg_temp.customer_of(s))',
    ),
    fn(
      'is_reversed(s bigint)',
      'boolean',
      `s % ${REVERSAL_EVERY} = 0 and s + ${REVERSAL_LAG} <= ${N} and pg_temp.is_normal(s) and pg_temp.is_normal(s + ${REVERSAL_LAG})`,
    ),
    fn(
      'slot_time(s bigint)',
      'timestamptz',
      `to_timestamp((${n(shape.startMs)} + (s - 1) * ${n(shape.spanMs)} / ${N})::float8 / 1000)`,
    ),
    // The API's reference format (generated-numbers.ts): TX, the UTC time to the millisecond, then 8
    // Crockford characters; here they encode s scrambled by an odd multiplier, a bijection mod 2^40, so
    // seeded references never clash with each other.
    fn(
      'reference(s bigint)',
      'text',
      `'TX' || to_char(pg_temp.slot_time(s) at time zone 'UTC', 'YYMMDDHH24MISSMS') || ${base32('((s * 90402349) & 1099511627775)')}`,
    ),
    fn(
      'wallet_uuid(w bigint)',
      'uuid',
      `case w when 0 then ${uuid(shape.floatRwfId)} when -1 then ${uuid(shape.floatUsdId)} else pg_temp.seed_uuid(2, w) end`,
    ),
    // 12 digits: 1, ten digits scrambled from the wallet number (an odd multiplier prime to 5, a
    // bijection mod 10^10), then the Luhn check digit, as makeAccountNumber makes them.
    fn('account_number(w bigint)', 'text', accountNumber('(10000000000 + (w * 790026317) % 10000000000)')),
  ];
}

function base32(value: string): string {
  return Array.from(
    { length: 8 },
    (_, i) => `substr('${READABLE}', ((${value} >> ${5 * (7 - i)}) & 31)::int + 1, 1)`,
  ).join(' || ');
}

/** The payload's digits and its Luhn check digit, in arithmetic (the TS luhnCheckDigit, digit by digit). */
function accountNumber(payload: string): string {
  const digits = ACCOUNT_NUMBER_LENGTH - 1;
  const terms = Array.from({ length: digits }, (_, i) => {
    const d = `(${payload} / ${10 ** i}::bigint % 10)`;
    // From the right, every other digit is doubled, less 9 when that passes 9.
    return i % 2 === 0 ? `(2 * ${d} - 9 * (${d} / 5))` : d;
  });
  return `${payload}::text || ((10 - (${terms.join(' + ')}) % 10) % 10)::text`;
}
