import { randomUUID } from 'node:crypto';
import {
  addLimitUsage,
  applyPlannedBalances,
  cancelHoldPostings,
  completeHoldPosting,
  findDueHolds,
  findHold,
  findPostingsByKeys,
  findTransaction,
  giveBackLimitUsage,
  insertHolds,
  insertNotices,
  insertPostings,
  insertTransactionAudits,
  lockHolds,
  lockTransaction,
  lockWalletsInIdOrder,
  markReversed,
  type NewPosting,
  type RunSql,
  readLimitUsage,
  readTransactionTypes,
  settleHolds,
} from '@tekana/db';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relationsScanned, tableOf } from '../../test/query-plans';
import { createSeededDatabase, type SeededDatabase } from '../../test/seeded-database';

/**
 * The ledger's write statements (a batch of 32 postings between 64 wallets; ending 32 holds; a reversal),
 * prepared on a small ledger (5,000 customers, 150,000 postings, 5,000 holds and usage counters, ANALYZEd) and EXPLAINed as
 * the generic plan: the one a prepared statement keeps from its sixth run on whenever it costs no more
 * than planning for the values, so the plan of nearly every run. None may read wallets, customers,
 * postings, their keys, limit usage, holds, the outbox or the audit log whole: each runs under its
 * wallets' locks, and a sequential scan there costs more the bigger the ledger. (Planned for these values
 * instead, Postgres may rightly read a table of a few thousand rows whole; at a million it does not.)
 * Postings are watched in every month (tableOf): with 15,000 postings a month held ~1,150 rows, small
 * enough that even the generic plans of the key lookup and of a lookup by id read months whole; 150,000
 * (~11,500 a month) is past that, as is a ledger seeded with `pnpm seed:scale` (1,000,000 postings).
 */
const SIZE = { customers: 5_000, postings: 150_000 };
const WATCHED = new Set([
  'customers',
  'wallets',
  'transactions',
  'posting_keys',
  'limit_usage',
  'holds',
  'sms_outbox',
  'audit_log',
]);
const BATCH = 32;

let seeded: SeededDatabase;
let walletIds: string[];
/** Tables with no rows yet: the planner rightly reads an empty table whole, at no cost. */
let emptyTables: Set<string>;
let transferTypeId: string;

beforeAll(async () => {
  seeded = await createSeededDatabase(SIZE);
  const wallets = await seeded.client<{ id: string }[]>`
    select w.id from wallets w join wallet_types t on t.id = w.wallet_type_id
    where t.code = 'PERSONAL' order by w.account_number limit ${2 * BATCH}`;
  walletIds = wallets.map((w) => w.id);
  const [transfer] = await seeded.client<{ id: string }[]>`
    select id from transaction_types where code = 'TRANSFER'`;
  if (!transfer || walletIds.length < 2 * BATCH)
    throw new Error('the seeded ledger lacks wallets or TRANSFER');
  transferTypeId = transfer.id;
  await seedHoldsAndLimitUsage(seeded.client);
  const tables = await seeded.client<{ name: string }[]>`
    select relname as name from pg_class where relkind = 'r' and relnamespace = 'public'::regnamespace
      and pg_relation_size(oid) = 0`;
  emptyTables = new Set(tables.map((t) => t.name));
}, 120_000);
afterAll(async () => {
  await seeded?.drop();
});

/**
 * Holds on 5,000 of the seeded postings and a monthly limit's usage for 5,000 wallets, ANALYZEd, so that
 * the statements ending holds and giving usage back meet tables the planner would rather not read whole.
 */
async function seedHoldsAndLimitUsage(sql: postgres.Sql) {
  await sql`
    insert into holds (transaction_id, debited_wallet_id, credited_wallet_id, amount, created_by, expires_at)
    select t.id, t.debited_wallet_id, t.credited_wallet_id, t.amount, w.customer_id, now() + interval '1 hour'
    from transactions t join wallets w on w.id = t.debited_wallet_id
    order by t.created_at desc limit 5000`;
  const [limit] = await sql<{ id: string }[]>`
    insert into period_limits (wallet_type_id, period, max_amount, created_at)
    select id, 'MONTH', 10000000, now() - interval '1 year' from wallet_types where code = 'PERSONAL'
    returning id`;
  await sql`
    insert into limit_usage (wallet_id, limit_id, period_start, amount, count)
    select w.id, ${limit?.id ?? null}::uuid, date_trunc('month', now()), 100, 1 from wallets w limit 5000`;
  await sql`analyze holds, period_limits, limit_usage`;
}

/** The statements that end holds and reverse postings, for 32 of the held postings, captured like a batch's. */
async function settlementStatements(): Promise<{ sql: string; params: unknown[] }[]> {
  const held = await seeded.client<
    { id: string; createdAt: Date; debitedWalletId: string; creditedWalletId: string }[]
  >`
    select t.id, t.created_at as "createdAt", t.debited_wallet_id as "debitedWalletId",
           t.credited_wallet_id as "creditedWalletId"
    from holds h join transactions t on t.id = h.transaction_id order by h.transaction_id limit ${BATCH}`;
  const sent: { sql: string; params: unknown[] }[] = [];
  const run: RunSql = async (sql, params = []) => {
    sent.push({ sql, params });
    return [];
  };
  const ids = held.map((h) => h.id);
  const [first] = held;
  if (!first) throw new Error('the seeded ledger has no holds');
  await findHold(run, first.id);
  await lockHolds(run, ids);
  await findDueHolds(run, 100);
  await settleHolds(
    run,
    ids.map((transactionId) => ({ transactionId, status: 'VOIDED' as const, capturedAmount: null })),
  );
  await cancelHoldPostings(
    run,
    ids.map((transactionId) => ({ transactionId, statusMessage: 'voided' })),
  );
  // Captured, the statement answers no row, which completeHoldPosting refuses: only its SQL counts here.
  await completeHoldPosting(run, {
    id: first.id,
    amount: 1,
    debitedWalletBalance: 1,
    creditedWalletBalance: 1,
  }).catch(() => undefined);
  await giveBackLimitUsage(
    run,
    held.map((h) => ({
      debitedWalletId: h.debitedWalletId,
      transactionTypeId: transferTypeId,
      postedAt: h.createdAt,
      starts: { DAY: h.createdAt, MONTH: h.createdAt },
      amount: 100,
      count: 1,
    })),
  );
  await findTransaction(run, first.id);
  await lockTransaction(run, first);
  await markReversed(run, first);
  return sent;
}

/** What a batch's statements are: each sent through `run`, captured here instead of run. */
async function batchStatements(): Promise<{ sql: string; params: unknown[] }[]> {
  const sent: { sql: string; params: unknown[] }[] = [];
  const run: RunSql = async (sql, params = []) => {
    sent.push({ sql, params });
    return [];
  };
  const postedAt = new Date();
  const postings: NewPosting[] = Array.from({ length: BATCH }, (_, i) => ({
    id: randomUUID(),
    referenceNumber: `TX-PLAN-${i}`,
    externalReferenceNumber: `plan-${randomUUID()}`,
    requestHash: 'f'.repeat(64),
    transactionTypeId: transferTypeId,
    channelType: 'WEB',
    debitedWalletId: walletIds[2 * i] as string,
    creditedWalletId: walletIds[2 * i + 1] as string,
    amount: 100,
    currencyCode: 'RWF',
    debitedWalletBalance: 900,
    creditedWalletBalance: 1_100,
    status: 'COMPLETED',
    statusMessage: null,
    reversalOf: null,
  }));
  await readTransactionTypes(run, { ids: [], codes: ['TRANSFER'] });
  await lockWalletsInIdOrder(run, walletIds);
  await findPostingsByKeys(
    run,
    postings.map((p) => p.externalReferenceNumber),
  );
  await readLimitUsage(
    run,
    postings.map((p) => p.debitedWalletId),
    postedAt,
    { DAY: postedAt, MONTH: postedAt },
  );
  await insertPostings(run, postings, postedAt);
  await applyPlannedBalances(
    run,
    new Map(walletIds.map((id, i) => [id, { delta: i % 2 === 0 ? -100 : 100, balance: 1_000 }])),
  );
  await insertNotices(
    run,
    postings.map((p) => ({ transactionId: p.id, kind: 'DEBIT', recipient: '+250788000000', text: 'sent' })),
  );
  // What a batch also writes when some of its postings are holds, count against limits, or are an admin's.
  await insertHolds(
    run,
    postings.map((p) => ({
      transactionId: p.id,
      debitedWalletId: p.debitedWalletId,
      creditedWalletId: p.creditedWalletId,
      amount: p.amount,
      createdBy: randomUUID(),
      expiresInSeconds: 600,
    })),
    new Map(postings.map((p) => [p.debitedWalletId, p.amount])),
  );
  await addLimitUsage(
    run,
    postings.map((p) => ({
      walletId: p.debitedWalletId,
      limitId: randomUUID(),
      periodStart: postedAt,
      amount: p.amount,
      count: 1,
    })),
  );
  await insertTransactionAudits(
    run,
    postings.map((p) => ({
      actorId: randomUUID(),
      actorRole: 'ADMIN',
      action: 'transaction.post',
      entityType: 'transaction',
      entityId: p.id,
      before: null,
      after: { amount: p.amount },
    })),
    postedAt,
  );
  return sent;
}

/** The big tables that the generic plan of a prepared statement reads whole. */
async function genericScansOf(
  connection: postgres.ReservedSql,
  name: string,
  statement: { sql: string; params: unknown[] },
): Promise<string[]> {
  // EXPLAIN EXECUTE takes no bound parameters: the values go in as literals of the statement's own types.
  const [prepared] = await connection<{ types: string[] }[]>`
    select parameter_types::text[] as types from pg_prepared_statements where name = ${name}`;
  const values = (prepared?.types ?? []).map(
    (type, i) => `'${String(statement.params[i]).replaceAll("'", "''")}'::${type}`,
  );
  await connection.unsafe('set plan_cache_mode = force_generic_plan');
  const args = values.length > 0 ? `(${values.join(', ')})` : '';
  const [row] = await connection.unsafe(`explain (format json) execute ${name}${args}`);
  return relationsScanned((row as Record<string, unknown>)['QUERY PLAN']).filter(
    (relation) => WATCHED.has(tableOf(relation)) && !emptyTables.has(relation),
  );
}

/** Each statement's generic plan, prepared on one connection: the scans of big tables found, with the SQL. */
async function scansInGenericPlans(statements: { sql: string; params: unknown[] }[]): Promise<string[]> {
  const connection = await seeded.client.reserve();
  const found: string[] = [];
  try {
    for (const [i, statement] of statements.entries()) {
      const name = `posting_plan_${randomUUID().replaceAll('-', '')}_${i}`;
      await connection.unsafe(`prepare ${name} as ${statement.sql}`);
      const scans = await genericScansOf(connection, name, statement);
      if (scans.length > 0) found.push(`Seq Scan on ${scans.join(', ')} in: ${statement.sql}`);
    }
  } finally {
    connection.release();
  }
  return found;
}

describe('the ledger’s write statements on a ledger of a few thousand wallets', () => {
  it('a batch’s reach every wallet, key, counter and notice they touch by index', async () => {
    const statements = await batchStatements();
    expect(statements.length).toBeGreaterThanOrEqual(11);
    expect(await scansInGenericPlans(statements)).toEqual([]);
  });

  it('those ending holds and reversing postings reach every hold, posting, wallet and counter by index', async () => {
    const statements = await settlementStatements();
    expect(statements.length).toBeGreaterThanOrEqual(10);
    expect(await scansInGenericPlans(statements)).toEqual([]);
  });
});
