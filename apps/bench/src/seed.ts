import { randomInt, randomUUID } from 'node:crypto';
import { makeAccountNumber } from '@tekana/contracts';
import postgres from 'postgres';

/** A funded wallet the load may debit, with the customer whose token may debit it. */
export type BenchWallet = { walletId: string; customerId: string };
export type BenchLedger = { personal: BenchWallet[]; merchant: BenchWallet };

const digits = (count: number) => Array.from({ length: count }, () => String(randomInt(10))).join('');

function accountNumbers(count: number): string[] {
  const numbers = new Set<string>();
  while (numbers.size < count) numbers.add(makeAccountNumber(digits));
  return [...numbers];
}

/**
 * Writes out every dirty page of the cluster and starts a new checkpoint cycle, so that the case that runs
 * next neither flushes the pages of what ran before it nor meets the checkpoint its WAL would have brought
 * on: every case starts where the first one does.
 */
export async function checkpoint(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`checkpoint`;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Seeds `count` PERSONAL RWF wallets funded with `funding` each by DEPOSITs from the RWF FLOAT, and one
 * MERCHANT RWF wallet, in a few set-based statements. The ledger invariants hold exactly afterwards:
 * every wallet's balance is its credits minus debits, and the RWF balances still sum to 0.
 * `tag` keeps emails, phones, ID numbers and references unique across runs on the same database.
 */
export async function seedBenchLedger(
  databaseUrl: string,
  count: number,
  funding: number,
  tag: string,
): Promise<BenchLedger> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  // count + 1: the last customer owns the MERCHANT wallet.
  const customerIds = Array.from({ length: count + 1 }, () => randomUUID());
  const walletIds = Array.from({ length: count + 1 }, () => randomUUID());
  const accounts = accountNumbers(count + 1);
  // E.164 phones (the SMS notices are validated): +9, 6 digits of the run, 7 of the customer.
  const phoneRun = String(Date.now() % 1_000_000).padStart(6, '0');
  try {
    await sql.begin(async (tx) => {
      const [float] = await tx<{ id: string }[]>`
        select w.id from wallets w
        join wallet_types t on t.id = w.wallet_type_id
        join customers c on c.id = w.customer_id
        where t.code = 'FLOAT' and w.currency_code = 'RWF' and c.role = 'SYSTEM'
        limit 1 for update of w`;
      if (!float) throw new Error('seed: no RWF FLOAT wallet; has the server migrated this database?');

      await tx`
        insert into customers (id, first_name, last_name, email, phone_number, id_type, id_number, gender, role, password_hash)
        select u.id, 'Bench', 'Customer ' || u.n, 'bench-' || ${tag} || '-' || u.n || '@bench.invalid',
               '+9' || ${phoneRun} || lpad(u.n::text, 7, '0'), 'NID', 'BENCH-' || ${tag} || '-' || u.n,
               'FEMALE', 'CUSTOMER', 'bench: never logs in'
        from unnest(${customerIds}::uuid[]) with ordinality as u(id, n)`;

      // Wallets 1..count are PERSONAL and funded; wallet count + 1 is the MERCHANT, empty.
      await tx`
        insert into wallets (id, customer_id, wallet_type_id, currency_code, account_number, current_balance)
        select u.wallet_id, u.customer_id,
               (select id from wallet_types where code = case when u.n <= ${count} then 'PERSONAL' else 'MERCHANT' end),
               'RWF', u.account_number, case when u.n <= ${count} then ${funding}::bigint else 0 end
        from unnest(${walletIds}::uuid[], ${customerIds}::uuid[], ${accounts}::text[])
             with ordinality as u(wallet_id, customer_id, account_number, n)`;

      // One DEPOSIT per PERSONAL wallet; the FLOAT's balance after each is its balance before minus n fundings.
      // With their keys in posting_keys, as the posting engine writes them (unique across the months).
      await tx`
        with funded as (
        insert into transactions (reference_number, external_reference_number, request_hash, transaction_type_id,
          channel_type, debited_wallet_id, credited_wallet_id, amount, currency_code,
          debited_wallet_balance, credited_wallet_balance, status, status_message)
        select 'BENCH' || ${tag} || lpad(u.n::text, 7, '0'), 'bench-fund-' || ${tag} || '-' || u.n, 'bench-seed',
               (select id from transaction_types where code = 'DEPOSIT'), 'WEB', ${float.id}, u.wallet_id,
               ${funding}::bigint, 'RWF',
               (select current_balance from wallets where id = ${float.id}) - ${funding}::bigint * u.n,
               ${funding}::bigint, 'COMPLETED', 'Bench funding'
        from unnest(${walletIds.slice(0, count)}::uuid[]) with ordinality as u(wallet_id, n)
        returning external_reference_number, reference_number, id, created_at
        )
        insert into posting_keys (external_reference_number, reference_number, transaction_id, created_at)
        select external_reference_number, reference_number, id, created_at from funded`;

      await tx`
        update wallets set current_balance = current_balance - ${funding}::bigint * ${count}::bigint
        where id = ${float.id}`;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
  // The seed's pages written out now, so that no case pays for flushing them (pgbench's gets the same).
  await checkpoint(databaseUrl);
  const wallet = (i: number): BenchWallet => ({
    walletId: walletIds[i] as string,
    customerId: customerIds[i] as string,
  });
  return { personal: Array.from({ length: count }, (_, i) => wallet(i)), merchant: wallet(count) };
}
