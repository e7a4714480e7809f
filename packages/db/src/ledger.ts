import type { Role } from '@tekana/contracts';
import type { RunSql, SqlRow } from './handle';
import { uniqueViolation } from './postgres-errors';
import type { transactions, transactionTypes, wallets, walletTypeRules, walletTypes } from './schema';
import { pgArray, sqlDate, sqlMoney } from './sql-values';

/**
 * The ledger's SQL: what a batch of postings reads, locks and writes, as plain statements of fixed text
 * (prepared once per connection). The rules about money live in the ledger service.
 */

export type TransactionRow = typeof transactions.$inferSelect;
export type TransactionTypeRow = typeof transactionTypes.$inferSelect;
export type WalletTypeRuleRow = typeof walletTypeRules.$inferSelect;
export type WalletTypeRow = typeof walletTypes.$inferSelect;

/** A wallet locked for a posting, with what the checks need: its type's limits and its owner. */
export type LockedWallet = typeof wallets.$inferSelect & {
  type: WalletTypeRow;
  owner: { role: Role; phoneNumber: string };
};

/** A transaction type with its rules (one per wallet type it may touch). */
export type TransactionTypeWithRules = { transactionType: TransactionTypeRow; rules: WalletTypeRuleRow[] };

const TRANSACTION_TYPES = `
  select t.id, t.code, t.name, t.description, t.minimum_amount as "minimumAmount",
         t.maximum_amount as "maximumAmount", t.status, t.created_at as "createdAt",
         coalesce((select json_agg(json_build_object('walletTypeId', r.wallet_type_id,
                    'debitAllowed', r.debit_allowed, 'creditAllowed', r.credit_allowed))
                   from wallet_type_rules r where r.transaction_type_id = t.id), '[]') as rules
  from transaction_types t
  where t.id = any($1::uuid[]) or t.code = any($2::text[])`;

/** The transaction types named by id or code, with their rules, as committed now: never a stale copy. */
export async function readTransactionTypes(
  run: RunSql,
  by: { ids: string[]; codes: string[] },
): Promise<TransactionTypeWithRules[]> {
  const rows = await run(TRANSACTION_TYPES, [pgArray(by.ids), pgArray(by.codes)]);
  return rows.map((r) => {
    const transactionType: TransactionTypeRow = {
      id: r.id as string,
      code: r.code as string,
      name: r.name as string,
      description: r.description as string | null,
      minimumAmount: sqlMoney(r.minimumAmount),
      maximumAmount: sqlMoney(r.maximumAmount),
      status: r.status as TransactionTypeRow['status'],
      createdAt: sqlDate(r.createdAt),
    };
    const rules = (r.rules as Omit<WalletTypeRuleRow, 'transactionTypeId'>[]).map((rule) => ({
      ...rule,
      transactionTypeId: transactionType.id,
    }));
    return { transactionType, rules };
  });
}

// Every wallet type: reference data (a catalog an admin keeps, a handful of rows), read as committed now,
// whole. Picking the types of the wallets about to be locked cost a second pass over those wallets by key,
// as much as the lock itself in a bulk's batch. A wallet never changes type, so this needs no lock.
const WALLET_TYPES = `
  select wt.id, wt.code, wt.name, wt.description,
         wt.minimum_transaction_amount as "minimumTransactionAmount",
         wt.maximum_transaction_amount as "maximumTransactionAmount",
         wt.allow_negative_balance as "allowNegativeBalance", wt.created_at as "createdAt"
  from wallet_types wt`;

// ORDER BY runs below the row locking, so rows are locked in id order: every batch and every reversal
// takes its locks in the same order, and A→B beside B→A queue behind each other instead of deadlocking.
const LOCK_WALLETS = `
  select w.id, w.customer_id as "customerId", w.wallet_type_id as "walletTypeId",
         w.currency_code as "currencyCode", w.account_number as "accountNumber",
         w.current_balance as "currentBalance", w.held_balance as "heldBalance", w.status, w.created_at as "createdAt",
         c.role as "ownerRole", c.phone_number as "ownerPhoneNumber"
  from wallets w
  join customers c on c.id = w.customer_id
  where w.id = any($1::uuid[])
  order by w.id
  for update of w`;

/**
 * Locks the wallets `FOR UPDATE` in one statement, in id order, with their types read beside it (one
 * round trip for both). Missing wallets are absent from the map.
 */
export async function lockWalletsInIdOrder(run: RunSql, ids: string[]): Promise<Map<string, LockedWallet>> {
  const [typeRows, rows] = await Promise.all([run(WALLET_TYPES, []), run(LOCK_WALLETS, [pgArray(ids)])]);
  const types = new Map(typeRows.map((r) => [r.id as string, toWalletType(r)]));
  return new Map(
    rows.map((r) => {
      const type = types.get(r.walletTypeId as string);
      if (!type) throw new Error(`lockWalletsInIdOrder: wallet ${r.id} has no wallet type`);
      return [r.id as string, toLockedWallet(r, type)];
    }),
  );
}

function toWalletType(r: SqlRow): WalletTypeRow {
  return {
    id: r.id as string,
    code: r.code as string,
    name: r.name as string,
    description: r.description as string | null,
    minimumTransactionAmount: sqlMoney(r.minimumTransactionAmount),
    maximumTransactionAmount: sqlMoney(r.maximumTransactionAmount),
    allowNegativeBalance: r.allowNegativeBalance as boolean,
    createdAt: sqlDate(r.createdAt),
  };
}

function toLockedWallet(r: SqlRow, type: WalletTypeRow): LockedWallet {
  return {
    id: r.id as string,
    customerId: r.customerId as string,
    walletTypeId: r.walletTypeId as string,
    currencyCode: r.currencyCode as LockedWallet['currencyCode'],
    accountNumber: r.accountNumber as string,
    currentBalance: sqlMoney(r.currentBalance),
    heldBalance: sqlMoney(r.heldBalance),
    status: r.status as LockedWallet['status'],
    createdAt: sqlDate(r.createdAt),
    // Shared by the batch's wallets of one type: the checks only read it.
    type,
    owner: { role: r.ownerRole as Role, phoneNumber: r.ownerPhoneNumber as string },
  };
}

export const TRANSACTION_COLUMNS = `t.id, t.reference_number as "referenceNumber",
  t.external_reference_number as "externalReferenceNumber", t.request_hash as "requestHash",
  t.transaction_type_id as "transactionTypeId", t.channel_type as "channelType",
  t.debited_wallet_id as "debitedWalletId", t.credited_wallet_id as "creditedWalletId", t.amount,
  t.currency_code as "currencyCode", t.debited_wallet_balance as "debitedWalletBalance",
  t.credited_wallet_balance as "creditedWalletBalance", t.status, t.status_message as "statusMessage",
  t.reversal_of as "reversalOf", t.created_at as "createdAt"`;

export function toTransactionRow(r: SqlRow): TransactionRow {
  return {
    ...(r as Omit<TransactionRow, 'amount' | 'debitedWalletBalance' | 'creditedWalletBalance' | 'createdAt'>),
    amount: sqlMoney(r.amount),
    debitedWalletBalance: sqlMoney(r.debitedWalletBalance),
    creditedWalletBalance: sqlMoney(r.creditedWalletBalance),
    createdAt: sqlDate(r.createdAt),
  };
}

// Through posting_keys, which knows each posting's month: one partition read per key, not one per month.
const POSTINGS_BY_KEYS = `
  select ${TRANSACTION_COLUMNS}
  from posting_keys k
  join transactions t on t.id = k.transaction_id and t.created_at = k.created_at
  where k.external_reference_number = any($1::text[])`;

/** The postings already made under these idempotency keys. */
export async function findPostingsByKeys(run: RunSql, keys: string[]): Promise<TransactionRow[]> {
  return (await run(POSTINGS_BY_KEYS, [pgArray(keys)])).map(toTransactionRow);
}

// By id alone every month's primary key is probed once (docs/SCALE.md, "Postings by month", measures it).
const TRANSACTION_BY_ID = `select ${TRANSACTION_COLUMNS} from transactions t where t.id = $1`;

/** One posting, by id alone. */
export async function findTransaction(run: RunSql, id: string): Promise<TransactionRow | undefined> {
  const [row] = await run(TRANSACTION_BY_ID, [id]);
  return row && toTransactionRow(row);
}

// With its time, only the posting's own month is read.
const LOCK_TRANSACTION = `
  select ${TRANSACTION_COLUMNS} from transactions t where t.id = $1 and t.created_at = $2::timestamptz
  for update`;

/** The posting as it is now, under its row lock, so that two reversals of it queue behind each other. */
export async function lockTransaction(
  run: RunSql,
  posting: Pick<TransactionRow, 'id' | 'createdAt'>,
): Promise<TransactionRow | undefined> {
  const [row] = await run(LOCK_TRANSACTION, [posting.id, posting.createdAt.toISOString()]);
  return row && toTransactionRow(row);
}

// With its time, the update touches the posting's own month only.
const MARK_REVERSED = `update transactions set status = 'REVERSED' where id = $1 and created_at = $2::timestamptz`;

export async function markReversed(
  run: RunSql,
  posting: Pick<TransactionRow, 'id' | 'createdAt'>,
): Promise<void> {
  await run(MARK_REVERSED, [posting.id, posting.createdAt.toISOString()]);
}

/** A batch's insert met a key (or generated reference) that another process took meanwhile: retry it. */
export class PostingKeyTakenError extends Error {
  constructor(cause?: unknown) {
    super('A posting key was taken by a concurrent transaction', { cause });
    this.name = 'PostingKeyTakenError';
  }
}

/** A posting as the engine decided it: everything but the time, given to the whole batch at its insert. */
export type NewPosting = Omit<TransactionRow, 'createdAt'>;

// The keys first, into posting_keys, in key order, so that two batches racing on the same keys wait for
// each other in one order. A key (or a generated reference) taken meanwhile by another process is a unique
// violation there, which aborts the transaction (its COMMIT may already be on the wire behind it): the
// caller retries the batch, which then finds that posting. Key and row share one time, the row's month.
const INSERT_POSTINGS = `
  with posting as (
    select * from json_to_recordset($1::text::json) as p(id uuid, "referenceNumber" text,
      "externalReferenceNumber" text, "requestHash" text, "transactionTypeId" uuid,
      "channelType" channel_type, "debitedWalletId" uuid, "creditedWalletId" uuid, amount bigint,
      "currencyCode" currency_code, "debitedWalletBalance" bigint, "creditedWalletBalance" bigint,
      status transaction_status, "statusMessage" text, "reversalOf" uuid)
  ), keyed as (
    insert into posting_keys (external_reference_number, reference_number, transaction_id, created_at)
    select p."externalReferenceNumber", p."referenceNumber", p.id, $2::timestamptz from posting p
    order by p."externalReferenceNumber"
    returning transaction_id
  )
  insert into transactions (id, reference_number, external_reference_number, request_hash,
    transaction_type_id, channel_type, debited_wallet_id, credited_wallet_id, amount, currency_code,
    debited_wallet_balance, credited_wallet_balance, status, status_message, reversal_of, created_at)
  select p.id, p."referenceNumber", p."externalReferenceNumber", p."requestHash", p."transactionTypeId",
         p."channelType", p."debitedWalletId", p."creditedWalletId", p.amount, p."currencyCode",
         p."debitedWalletBalance", p."creditedWalletBalance", p.status, p."statusMessage", p."reversalOf",
         $2::timestamptz
  from posting p
  join keyed k on k.transaction_id = p.id`;

/**
 * Inserts the postings in one statement, all dated `postedAt`: the ledger's clock, the time their limits
 * counted them at (README, "Limits per period"). A key taken meanwhile is a `PostingKeyTakenError`.
 */
export async function insertPostings(run: RunSql, postings: NewPosting[], postedAt: Date): Promise<void> {
  try {
    await run(INSERT_POSTINGS, [JSON.stringify(postings), postedAt.toISOString()]);
  } catch (error) {
    if (uniqueViolation(error)?.startsWith('posting_keys')) throw new PostingKeyTakenError(error);
    throw error;
  }
}

/** A wallet's net change in a batch, and the balance the batch's plan says it must end with. */
export type BalanceChange = { delta: number; balance: number };

// One row write per wallet, however many postings of the batch touched it, each checked against the plan in
// the same statement: a difference aborts the transaction, whose COMMIT may already be on the wire behind it.
// Arrays, not JSON, and the ids matched by `= any`: the planner then reaches the wallets through their
// primary key. A JSON record set counts as 100 rows to it, which made a sequential scan of every wallet
// look cheaper (measured in docs/SCALE.md).
const APPLY_PLANNED_BALANCES = `
  with moved as (
    update wallets w set current_balance = w.current_balance + c.delta
    from unnest($1::uuid[], $2::bigint[], $3::bigint[]) as c(id, delta, balance)
    where w.id = any($1::uuid[]) and w.id = c.id
    returning w.current_balance = c.balance as planned
  )
  select ledger_check(count(*) = $4 and coalesce(bool_and(planned), true),
                      'posting engine: a wallet balance drifted from its plan')
  from moved`;

/** Adds each wallet's net change to its balance in one statement; fails unless each ends as planned. */
export async function applyPlannedBalances(run: RunSql, changes: Map<string, BalanceChange>): Promise<void> {
  if (changes.size === 0) return;
  const ids: string[] = [];
  const deltas: string[] = [];
  const balances: string[] = [];
  for (const [id, change] of changes) {
    ids.push(id);
    deltas.push(String(change.delta));
    balances.push(String(change.balance));
  }
  await run(APPLY_PLANNED_BALANCES, [pgArray(ids), pgArray(deltas), pgArray(balances), changes.size]);
}

/**
 * Moves `amount` from the debited to the credited wallet and records one posting with both balances
 * after it: for a single posting outside a batch (a reversal). The caller holds both wallets' locks and
 * gives their balances as it read them under those locks; the update fails unless each ends as they say.
 */
export async function writePosting(
  run: RunSql,
  posting: Omit<NewPosting, 'debitedWalletBalance' | 'creditedWalletBalance'>,
  postedAt: Date,
  balancesBefore: { debited: number; credited: number },
): Promise<TransactionRow> {
  const debitedWalletBalance = balancesBefore.debited - posting.amount;
  const creditedWalletBalance = balancesBefore.credited + posting.amount;
  await applyPlannedBalances(
    run,
    new Map([
      [posting.debitedWalletId, { delta: -posting.amount, balance: debitedWalletBalance }],
      [posting.creditedWalletId, { delta: posting.amount, balance: creditedWalletBalance }],
    ]),
  );
  const row = { ...posting, debitedWalletBalance, creditedWalletBalance };
  await insertPostings(run, [row], postedAt);
  return { ...row, createdAt: postedAt };
}
