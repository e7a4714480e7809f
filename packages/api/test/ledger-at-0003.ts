import { type Actor, makeAccountNumber, type TransactionCreateInput } from '@tekana/contracts';
import { type RunSql, randomDigits } from '@tekana/db';
import { requestFingerprint } from '../src/services/request-fingerprint';
import { posting } from './ledger-testbed';

/**
 * A ledger as migration 0003 left it (one unpartitioned `transactions`), written with that migration's
 * columns only, so that later migrations' columns never break it: for the tests of migration 0004, which
 * moves it into monthly partitions. Its postings span the last three months, two of them a millisecond
 * apart across a month's end.
 */

const DAY = 86_400_000;
/** The first instant of the month `offset` months from now's (UTC). */
export function monthStart(offset: number, now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
}

/** `transactions_pYYYY_MM`: the partition that holds the instant `at`. */
export function partitionOf(at: Date): string {
  return `transactions_p${at.getUTCFullYear()}_${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

type Planned = {
  id: string;
  type: 'DEPOSIT' | 'TRANSFER';
  debited: string;
  credited: string;
  amount: number;
  at: Date;
  key: string;
  hash: string;
  status: 'COMPLETED' | 'REVERSED';
  reversalOf: string | null;
};

export type LedgerAt0003 = {
  alice: Actor;
  bob: Actor;
  aliceWalletId: string;
  bobWalletId: string;
  /** A transfer alice made two months ago, and the request that made it (to replay it). */
  original: { id: string; at: Date; input: TransactionCreateInput };
  /** The last posting of a month and the first of the next, a millisecond apart. */
  lastOfMonth: { id: string; at: Date };
  firstOfMonth: { id: string; at: Date };
  /** A posting reversed before the migration. */
  reversed: { id: string };
  /** A COMPLETED transfer that may still be reversed. */
  reversible: { id: string };
  postings: number;
};

/** Writes the ledger into a database migrated to 0003 (its reference data included: no default seed ran). */
export async function writeLedgerAt0003(run: RunSql): Promise<LedgerAt0003> {
  const one = async (text: string, params: unknown[]) => {
    const [row] = await run(text, params);
    if (!row) throw new Error(`no row from: ${text}`);
    return row.id as string;
  };
  const walletType = (code: string, negative: boolean) =>
    one(
      `insert into wallet_types (code, name, minimum_transaction_amount, maximum_transaction_amount,
        allow_negative_balance) values ($1, $1, 1, 10000000, $2) returning id`,
      [code, negative],
    );
  const floatType = await walletType('FLOAT', true);
  const personalType = await walletType('PERSONAL', false);
  const transactionType = (code: string) =>
    one(
      `insert into transaction_types (code, name, minimum_amount, maximum_amount) values ($1, $1, 1, 10000000)
       returning id`,
      [code],
    );
  const deposit = await transactionType('DEPOSIT');
  const transfer = await transactionType('TRANSFER');
  await run(
    `insert into wallet_type_rules (transaction_type_id, wallet_type_id, debit_allowed, credit_allowed)
     values ($1, $3, true, false), ($1, $4, false, true), ($2, $4, true, true)`,
    [deposit, transfer, floatType, personalType],
  );
  const customer = (name: string, role: string) =>
    one(
      `insert into customers (first_name, last_name, email, phone_number, id_type, id_number, gender, role)
       values ($1, 'Before', lower($1) || '@at0003.test', '+2507' || lpad((random() * 1e8)::int::text, 8, '0'),
         'NID', $1 || '-id', 'FEMALE', $2) returning id`,
      [name, role],
    );
  const system = await customer('System', 'SYSTEM');
  const alice: Actor = { id: await customer('Alice', 'CUSTOMER'), role: 'CUSTOMER' };
  const bob: Actor = { id: await customer('Bob', 'CUSTOMER'), role: 'CUSTOMER' };
  const wallet = (owner: string, type: string) =>
    one(
      `insert into wallets (customer_id, wallet_type_id, currency_code, account_number)
       values ($1, $2, 'RWF', $3) returning id`,
      [owner, type, makeAccountNumber(randomDigits)],
    );
  const float = await wallet(system, floatType);
  const aliceWalletId = await wallet(alice.id, personalType);
  const bobWalletId = await wallet(bob.id, personalType);

  const planned: Planned[] = [];
  const plan = (p: Omit<Planned, 'id' | 'hash' | 'status' | 'reversalOf'> & Partial<Planned>): Planned => {
    const row = {
      id: crypto.randomUUID(),
      hash: 'written at 0003',
      status: 'COMPLETED' as const,
      reversalOf: null,
      ...p,
    };
    planned.push(row);
    return row;
  };
  const start = monthStart(-3);
  plan({
    type: 'DEPOSIT',
    debited: float,
    credited: aliceWalletId,
    amount: 100_000,
    at: start,
    key: 'fund-alice',
  });
  plan({
    type: 'DEPOSIT',
    debited: float,
    credited: bobWalletId,
    amount: 50_000,
    at: start,
    key: 'fund-bob',
  });
  // Transfers both ways, every two days or so, up to the end of last month.
  const span = monthStart(0).getTime() - DAY - (start.getTime() + DAY);
  for (let i = 0; i < 40; i++) {
    const [from, to] = i % 2 === 0 ? [aliceWalletId, bobWalletId] : [bobWalletId, aliceWalletId];
    const at = new Date(start.getTime() + DAY + Math.floor((span * i) / 40));
    plan({ type: 'TRANSFER', debited: from, credited: to, amount: 100 + i, at, key: `before-${i}` });
  }
  const lastOfMonth = plan({
    type: 'TRANSFER',
    debited: aliceWalletId,
    credited: bobWalletId,
    amount: 7,
    at: new Date(monthStart(-1).getTime() - 1),
    key: 'last-of-month',
  });
  const firstOfMonth = plan({
    type: 'TRANSFER',
    debited: bobWalletId,
    credited: aliceWalletId,
    amount: 3,
    at: monthStart(-1),
    key: 'first-of-month',
  });
  const input = posting('TRANSFER', aliceWalletId, bobWalletId, 1_234, `order-${crypto.randomUUID()}`);
  const original = plan({
    type: 'TRANSFER',
    debited: aliceWalletId,
    credited: bobWalletId,
    amount: 1_234,
    at: new Date(monthStart(-2).getTime() + 10 * DAY),
    key: input.externalReferenceNumber,
    hash: requestFingerprint(alice, input),
  });
  const reversed = plan({
    type: 'TRANSFER',
    debited: bobWalletId,
    credited: aliceWalletId,
    amount: 77,
    at: new Date(monthStart(-2).getTime() + 12 * DAY),
    key: 'reversed-later',
    status: 'REVERSED',
  });
  plan({
    type: 'TRANSFER',
    debited: aliceWalletId,
    credited: bobWalletId,
    amount: 77,
    at: new Date(monthStart(-1).getTime() + 3 * DAY),
    key: `reversal:${reversed.id}`,
    reversalOf: reversed.id,
  });
  const reversible = plan({
    type: 'TRANSFER',
    debited: aliceWalletId,
    credited: bobWalletId,
    amount: 55,
    at: new Date(monthStart(-3).getTime() + 20 * DAY),
    key: 'reversible',
  });

  // Both balances after each posting, in time order (a reversal is a posting of its own).
  planned.sort((a, b) => a.at.getTime() - b.at.getTime() || a.id.localeCompare(b.id));
  const balances = new Map<string, number>([
    [float, 0],
    [aliceWalletId, 0],
    [bobWalletId, 0],
  ]);
  for (const [i, p] of planned.entries()) {
    const debitedBalance = (balances.get(p.debited) ?? 0) - p.amount;
    const creditedBalance = (balances.get(p.credited) ?? 0) + p.amount;
    balances.set(p.debited, debitedBalance);
    balances.set(p.credited, creditedBalance);
    await run(
      `insert into transactions (id, reference_number, external_reference_number, request_hash,
        transaction_type_id, channel_type, debited_wallet_id, credited_wallet_id, amount, currency_code,
        debited_wallet_balance, credited_wallet_balance, status, reversal_of, created_at)
       values ($1, $2, $3, $4, $5, 'APP', $6, $7, $8, 'RWF', $9, $10, $11, $12, $13::timestamptz)`,
      [
        p.id,
        `TX0003${String(i).padStart(6, '0')}`,
        p.key,
        p.hash,
        p.type === 'DEPOSIT' ? deposit : transfer,
        p.debited,
        p.credited,
        p.amount,
        debitedBalance,
        creditedBalance,
        p.status,
        p.reversalOf,
        p.at.toISOString(),
      ],
    );
  }
  for (const [id, balance] of balances) {
    await run('update wallets set current_balance = $2 where id = $1', [id, balance]);
  }
  return {
    alice,
    bob,
    aliceWalletId,
    bobWalletId,
    original: { id: original.id, at: original.at, input },
    lastOfMonth: { id: lastOfMonth.id, at: lastOfMonth.at },
    firstOfMonth: { id: firstOfMonth.id, at: firstOfMonth.at },
    reversed: { id: reversed.id },
    reversible: { id: reversible.id },
    postings: planned.length,
  };
}

/** The columns migration 0003 knew, as text: what must come through the migration unchanged. */
export const ROWS_AS_AT_0003 = `
  select json_build_object('id', id, 'referenceNumber', reference_number,
    'externalReferenceNumber', external_reference_number, 'requestHash', request_hash,
    'transactionTypeId', transaction_type_id, 'channelType', channel_type, 'debitedWalletId', debited_wallet_id,
    'creditedWalletId', credited_wallet_id, 'amount', amount, 'currencyCode', currency_code,
    'debitedWalletBalance', debited_wallet_balance, 'creditedWalletBalance', credited_wallet_balance,
    'status', status, 'statusMessage', status_message, 'reversalOf', reversal_of,
    'createdAt', to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS'))::text as row
  from transactions order by id`;

/** Every posting's id, newest first: the order every list pages in. */
export const NEWEST_FIRST = 'select id from transactions order by created_at desc, id desc';
