import type { Sql, TransactionSql } from 'postgres';
import { type SeedShape, seedFunctions } from './functions';
import { dropIndexes, restoreIndex, restoreOrder, saveIndexes } from './indexes';
import { scaleSeedPhoneNumber } from './people';
import {
  CREATE_BALANCES,
  CREATE_WALLET_TOTALS,
  CREATE_WORK_TABLES,
  INDEX_PLAN_AND_BALANCES,
  INDEX_WALLET_TOTALS,
  INSERT_CUSTOMERS,
  INSERT_TRANSACTIONS,
  INSERT_WALLETS,
  insertPlan,
  MAKE_PARTITIONS,
  SETTLE_FLOAT,
  TRANSACTION_TYPE_CODES,
} from './statements';

export * from './people';

export type ScaleSeedOptions = {
  customers: number;
  postings: number;
  /** The argon2 hash every seeded customer gets (of SCALE_SEED_PASSWORD): hashed once by the caller. */
  passwordHash: string;
  /** The postings end an hour before this; default the database's now. */
  until?: Date;
};

/** Told as the seed goes: each phase starts with its size, advances, and ends with its time. */
export type ScaleSeedReporter = {
  start(phase: string, total: number): void;
  advance(done: number): void;
  end(phase: string, seconds: number): void;
};

export type ScaleSeedResult =
  | { seeded: true; phases: { phase: string; seconds: number }[] }
  | { seeded: false; reason: string };

const DAY_MS = 86_400_000;
const CHUNK = { customers: 50_000, slots: 250_000 };
// No opening deposit may pass 2,000,000 (DEPOSIT allows 10,000,000): amounts shrink as postings per customer grow.
const DEPOSIT_BUDGET = 2_000_000;
const MAX_AMOUNT = 20_000;

/**
 * `pnpm seed:scale`: `customers` customers (all with a PERSONAL RWF wallet, every 20th a USD one, every
 * 50th a MERCHANT one) and `postings` postings over the last 12 months: each wallet's opening deposit
 * from FLOAT, then transfers, payments and withdrawals between customers who exist by then, 0.1% of them
 * reversed, with both balances after each posting computed in SQL (window sums in posting order).
 *
 * One database transaction: all of it or nothing. The tables' keys, indexes and foreign keys are dropped
 * for the load and rebuilt after it (an index built once is far cheaper than one kept up row by row), so
 * it locks customers, wallets and transactions for its whole run: seed a database no server is writing
 * to. A second run finds the first one's customers and postings and adds nothing.
 */
export async function seedScale(
  sql: Sql,
  options: ScaleSeedOptions,
  report: ScaleSeedReporter,
): Promise<ScaleSeedResult> {
  const { customers, postings } = options;
  if (!(customers >= 1 && postings >= 3 * customers && Number.isSafeInteger(postings))) {
    throw new Error(
      'seed:scale needs at least 1 customer and 3 postings per customer (each opens up to 3 wallets)',
    );
  }
  const phases: { phase: string; seconds: number }[] = [];
  const timed = async (phase: string, total: number, work: () => Promise<void>) => {
    const began = performance.now();
    report.start(phase, total);
    await work();
    const seconds = (performance.now() - began) / 1000;
    report.end(phase, seconds);
    phases.push({ phase, seconds });
  };
  const chunks = async (total: number, size: number, run: (from: number, to: number) => Promise<void>) => {
    for (let from = 1; from <= total; from += size) {
      const to = Math.min(total, from + size - 1);
      await run(from, to);
      report.advance(to);
    }
  };

  return sql.begin(async (tx) => {
    // Bulk-load settings for this transaction only: no wait for the WAL flush at commit; room to sort
    // the 2 × postings legs and to hash them back by posting (hash_mem_multiplier × work_mem); temp
    // tables held in memory; no JIT, whose compile time per chunk (up to a second) outweighs its gain.
    await tx.unsafe(`set local synchronous_commit = off; set local work_mem = '2GB';
      set local hash_mem_multiplier = 2; set local maintenance_work_mem = '1GB';
      set local temp_buffers = '2GB'; set local jit = off`);
    await tx.unsafe('lock table customers, wallets, transactions, posting_keys in access exclusive mode');
    const context = await readContext(tx, options);
    for (const statement of seedFunctions(context.shape)) await tx.unsafe(statement);
    const already = await alreadySeeded(tx, customers, postings);
    if (already) return { seeded: false as const, reason: already };

    const saved = await saveIndexes(tx);
    await timed('drop indexes', saved.length, async () => {
      await dropIndexes(tx, saved);
      await tx.unsafe(CREATE_WORK_TABLES);
      const { startMs, spanMs } = context.shape;
      await tx.unsafe(MAKE_PARTITIONS, [
        new Date(startMs).toISOString(),
        new Date(startMs + spanMs).toISOString(),
      ]);
    });
    await timed('customers', customers, () =>
      chunks(customers, CHUNK.customers, (from, to) =>
        tx.unsafe(INSERT_CUSTOMERS, [from, to, options.passwordHash]).then(() => {}),
      ),
    );
    const plan = insertPlan(context.shape.amountSteps);
    await timed('plan postings', postings, () =>
      chunks(postings, CHUNK.slots, (from, to) => tx.unsafe(plan, [from, to]).then(() => {})),
    );
    await timed('balances', 4, async () => {
      await tx.unsafe(CREATE_WALLET_TOTALS);
      await tx.unsafe(INDEX_WALLET_TOTALS);
      report.advance(1);
      await tx.unsafe(CREATE_BALANCES, [context.floatRwf.balance, context.floatUsd.balance]);
      report.advance(3);
      for (const statement of INDEX_PLAN_AND_BALANCES) await tx.unsafe(statement);
      report.advance(4);
    });
    const held = { RWF: 0n, USD: 0n };
    await timed('wallets', customers, () =>
      chunks(customers, CHUNK.customers, async (from, to) => {
        const totals = await tx.unsafe<{ currency: 'RWF' | 'USD'; total: string }[]>(INSERT_WALLETS, [
          from,
          to,
          context.walletTypes.PERSONAL,
          context.walletTypes.MERCHANT,
        ]);
        for (const t of totals) held[t.currency] += BigInt(t.total);
      }),
    );
    await timed('transactions', postings, async () => {
      await chunks(postings, CHUNK.slots, (from, to) =>
        tx.unsafe(INSERT_TRANSACTIONS, [from, to, ...context.transactionTypes]).then(() => {}),
      );
      for (const [float, currency] of [
        [context.floatRwf, 'RWF'],
        [context.floatUsd, 'USD'],
      ] as const) {
        await tx.unsafe(SETTLE_FLOAT, [float.id, String(BigInt(float.balance) - held[currency])]);
      }
    });
    await timed('rebuild indexes', saved.length, async () => {
      let done = 0;
      for (const index of restoreOrder(saved)) {
        await restoreIndex(tx, index);
        report.advance(++done);
      }
    });
    await timed('analyze', 1, async () => {
      await tx.unsafe('analyze customers, wallets, transactions, posting_keys');
    });
    return { seeded: true as const, phases };
  });
}

type Context = {
  shape: SeedShape;
  floatRwf: { id: string; balance: string };
  floatUsd: { id: string; balance: string };
  walletTypes: { PERSONAL: string; MERCHANT: string };
  /** In the order of TRANSACTION_TYPE_CODES. */
  transactionTypes: string[];
};

/** The FLOAT wallets (locked: their balances are the seed's starting point) and the seeded type ids. */
async function readContext(tx: TransactionSql, options: ScaleSeedOptions): Promise<Context> {
  const floats = await tx<{ id: string; currency: string; balance: string }[]>`
    select w.id, w.currency_code as currency, w.current_balance::text as balance
    from wallets w
    join wallet_types t on t.id = w.wallet_type_id
    join customers c on c.id = w.customer_id
    where t.code = 'FLOAT' and c.role = 'SYSTEM'
    for update of w`;
  const float = (currency: string) => {
    const found = floats.find((f) => f.currency === currency);
    if (!found) throw new Error(`seed:scale: no ${currency} FLOAT wallet: was the database migrated?`);
    return { id: found.id, balance: found.balance };
  };
  const walletTypes = await tx<{ id: string; code: string }[]>`
    select id, code from wallet_types where code in ('PERSONAL', 'MERCHANT')`;
  const transactionTypes = await tx<{ id: string; code: string }[]>`
    select id, code from transaction_types where code in ${tx([...TRANSACTION_TYPE_CODES])}`;
  const idOf = (rows: { id: string; code: string }[], code: string) => {
    const row = rows.find((r) => r.code === code);
    if (!row) throw new Error(`seed:scale: no ${code} type: the default seed's types are needed`);
    return row.id;
  };
  const [clock] = await tx<{ now: Date }[]>`select now()`;
  const until = (options.until ?? clock?.now ?? new Date()).getTime() - 3_600_000;
  const perCustomer = options.postings / options.customers;
  const maxAmount = Math.min(MAX_AMOUNT, Math.floor(DEPOSIT_BUDGET / (2 * perCustomer + 10)));
  const floatRwf = float('RWF');
  const floatUsd = float('USD');
  return {
    shape: {
      customers: options.customers,
      postings: options.postings,
      startMs: Math.floor((until - 365 * DAY_MS) / 1000) * 1000,
      spanMs: 365 * DAY_MS,
      amountSteps: Math.max(1, Math.floor(maxAmount / 100)),
      floatRwfId: floatRwf.id,
      floatUsdId: floatUsd.id,
    },
    floatRwf,
    floatUsd,
    walletTypes: { PERSONAL: idOf(walletTypes, 'PERSONAL'), MERCHANT: idOf(walletTypes, 'MERCHANT') },
    transactionTypes: TRANSACTION_TYPE_CODES.map((code) => idOf(transactionTypes, code)),
  };
}

/**
 * Why this database needs no seeding (or cannot take this one), or null when it holds no seed. A seed
 * is all or nothing, so its first customer means all of it is there; its size is read from its last
 * customer and posting and the first ones past them.
 */
async function alreadySeeded(
  tx: TransactionSql,
  customers: number,
  postings: number,
): Promise<string | null> {
  const [row] = await tx<
    { first: boolean; last: boolean; past: boolean; posted: boolean; overPosted: boolean }[]
  >`
    select
      exists (select 1 from customers where phone_number = ${scaleSeedPhoneNumber(1)}) as first,
      exists (select 1 from customers where phone_number = ${scaleSeedPhoneNumber(customers)}) as last,
      exists (select 1 from customers where phone_number = ${scaleSeedPhoneNumber(customers + 1)}) as past,
      exists (select 1 from transactions where id = pg_temp.seed_uuid(3, ${postings})) as posted,
      exists (select 1 from transactions where id = pg_temp.seed_uuid(3, ${postings + 1})) as "overPosted"`;
  if (!row?.first) return null;
  if (row.last && !row.past && row.posted && !row.overPosted) {
    return `already seeded with ${customers} customers and ${postings} postings: nothing to do`;
  }
  throw new Error(
    'seed:scale: this database already holds a scale seed of another size; seed a fresh database (createdb) instead',
  );
}
