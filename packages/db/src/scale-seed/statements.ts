import { MERCHANT_EVERY, REVERSAL_LAG, USD_EVERY } from './functions';
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, SCALE_SEED_EMAIL_DOMAIN } from './people';

/**
 * The seed's set-based statements. Each chunked one takes its range as $1 and $2; wallets are numbered
 * 1..W (0 and -1 stand for the RWF and USD FLOAT), transaction types 0..3 are DEPOSIT, WITHDRAWAL,
 * TRANSFER, PAYMENT, currencies 0..1 RWF, USD, channels 0..3 WEB, APP, KIOSK, USSD.
 */
export const TRANSACTION_TYPE_CODES = ['DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'PAYMENT'] as const;

const textArray = (values: readonly string[]) => `array[${values.map((v) => `'${v}'`).join(', ')}]`;

/** Temp tables of the run, dropped at its commit (or rollback). */
export const CREATE_WORK_TABLES = `
create temp table scale_plan (
  seq bigint not null, type smallint not null, currency smallint not null, channel smallint not null,
  debited bigint not null, credited bigint not null, amount bigint, reversal_of bigint, reversed boolean not null
) on commit drop`;

/** Customers k = $1..$2, each registered a minute before their first slot. */
export const INSERT_CUSTOMERS = `
insert into customers (id, first_name, last_name, email, phone_number, id_type, id_number, gender, role, password_hash, created_at)
select pg_temp.seed_uuid(1, k), p.first_name, p.last_name,
  lower(p.first_name) || '.' || lower(p.last_name) || '.' || k || '@${SCALE_SEED_EMAIL_DOMAIN}',
  '+2507' || lpad(k::text, 8, '0'),
  case when p.passport then 'PASSPORT' else 'NID' end::id_type,
  case when p.passport then 'PC' || lpad(k::text, 8, '0')
       else '1' || (1960 + k % 45) || case when p.female then '7' else '8' end || lpad(k::text, 8, '0')
            || lpad(pg_temp.pick(k, 13, 100)::text, 2, '0') end,
  case when p.female then 'FEMALE' else 'MALE' end::gender,
  'CUSTOMER', $3::text, pg_temp.slot_time(pg_temp.block_start(k)) - interval '1 minute'
from generate_series($1::bigint, $2::bigint) k
cross join lateral (
  select k % 2 = 1 as female, pg_temp.pick(k, 14, 20) = 0 as passport,
    case when k % 2 = 1 then (${textArray(FEMALE_FIRST_NAMES)})[pg_temp.pick(k, 11, ${FEMALE_FIRST_NAMES.length}) + 1]
         else (${textArray(MALE_FIRST_NAMES)})[pg_temp.pick(k, 11, ${MALE_FIRST_NAMES.length}) + 1] end as first_name,
    (${textArray(LAST_NAMES)})[pg_temp.pick(k, 12, ${LAST_NAMES.length}) + 1] as last_name
) p`;

/**
 * Slots $1..$2 of the plan, in slot order (so the table is in slot order on disk). A slot opening a
 * wallet is its deposit (amount filled in later, once the wallet's debits are known); a slot
 * REVERSAL_LAG after a reversed one is its reversal; every other slot is a posting between customers
 * who exist by then: a TRANSFER (RWF, or USD between USD holders), a PAYMENT to a MERCHANT (30% of them
 * to the hot one, customer ${MERCHANT_EVERY}'s) or a WITHDRAWAL to FLOAT. Debtors are drawn with a density
 * rising with their number (sqrt of a uniform draw), so no wallet is debited more than about
 * 2 × postings / customers times, whenever it opened.
 */
export function insertPlan(amountSteps: number): string {
  return `
insert into scale_plan (seq, type, currency, channel, debited, credited, amount, reversal_of, reversed)
select s,
  case when deposit then 0 else n.type end,
  case when deposit then (o = 1 and k % ${USD_EVERY} = 0)::int else n.currency end,
  case when deposit then case when pg_temp.pick(s, 6, 10) < 7 then 2 else 0 end else n.channel end,
  case when deposit then -(o = 1 and k % ${USD_EVERY} = 0)::int when rev then n.credited else n.debited end,
  case when deposit then pg_temp.wallet_base(k) + 1 + o when rev then n.debited else n.credited end,
  case when deposit then null else n.amount end,
  case when rev then x end,
  not deposit and not rev and pg_temp.is_reversed(s)
from (
  select s, k, o, o < nw as deposit, x, x <> s as rev, case when x <> s then pg_temp.customer_of(x) else k end as kx
  from (
    select s, k, o, nw,
      case when o >= nw and s > ${REVERSAL_LAG} and pg_temp.is_reversed(s - ${REVERSAL_LAG}) then s - ${REVERSAL_LAG} else s end as x
    from (
      select s, k, s - pg_temp.block_start(k) as o, pg_temp.wallet_count(k) as nw
      from (select s, pg_temp.customer_of(s) as k from generate_series($1::bigint, $2::bigint) s offset 0) a
      offset 0
    ) b
    offset 0
  ) c
  offset 0
) slot
cross join lateral (
  select case kind when 'usd' then 2 when 'transfer' then 2 when 'payment' then 3 else 1 end as type,
    (kind = 'usd')::int as currency,
    case when ch < 11 then 1 when ch < 17 then 3 when ch < 19 then 0 else 2 end as channel,
    case when kind = 'usd' then pg_temp.usd_wallet(d) else pg_temp.personal_wallet(d) end as debited,
    case kind
      when 'usd' then pg_temp.usd_wallet(case when cu = d then ${USD_EVERY} * (cu / ${USD_EVERY} % usd_holders + 1) else cu end)
      when 'transfer' then pg_temp.personal_wallet(case when c = d then c % kx + 1 else c end)
      when 'payment' then pg_temp.merchant_wallet(${MERCHANT_EVERY} * m)
      else 0 end as credited,
    100 * (1 + pg_temp.pick(x, 5, ${amountSteps})) as amount
  from (
    select d, c, ch, usd_holders,
      ${USD_EVERY} * (1 + pg_temp.pick(x, 2, greatest(usd_holders, 1))) as cu,
      case when pg_temp.pick(x, 4, 10) < 3 then 1 else 1 + pg_temp.pick(x, 2, greatest(merchants, 1)) end as m,
      case
        when d % ${USD_EVERY} = 0 and r < 250 and usd_holders >= 2 then 'usd'
        when r < 700 and kx >= 2 then 'transfer'
        when r < 900 and merchants >= 1 then 'payment'
        else 'withdrawal' end as kind
    from (
      select least(kx, 1 + floor(kx * sqrt(pg_temp.unit(x, 1))))::bigint as d, 1 + pg_temp.pick(x, 2, kx) as c,
        pg_temp.pick(x, 3, 1000) as r, pg_temp.pick(x, 7, 20) as ch,
        kx / ${USD_EVERY} as usd_holders, kx / ${MERCHANT_EVERY} as merchants
      offset 0
    ) draws
  ) choice
) n`;
}

/**
 * Per wallet, what the planned postings (deposits aside) debit and credit. A wallet's opening deposit is
 * its debits plus opening_extra: it comes first, so no later posting can take the wallet below 0.
 */
export const CREATE_WALLET_TOTALS = `
create temp table scale_wallet_total on commit drop as
select wallet, sum(debits)::bigint as debits, sum(credits)::bigint as credits from (
  select debited as wallet, amount as debits, 0 as credits from scale_plan where amount is not null
  union all
  select credited, 0, amount from scale_plan where amount is not null
) legs
group by wallet`;

export const INDEX_WALLET_TOTALS = 'alter table scale_wallet_total add primary key (wallet)';

/**
 * Both balances after each posting, in slot order: every posting is two legs (its debited and its
 * credited wallet), each wallet's running sum over its legs in slot order is its balance after each,
 * and the legs of a slot meet again by slot. The FLOAT wallets start from the balance they had ($1 RWF,
 * $2 USD).
 */
export const CREATE_BALANCES = `
create temp table scale_balance on commit drop as
select seq, max(amount) as amount,
  max(balance) filter (where not credit) as debited_balance,
  max(balance) filter (where credit) as credited_balance
from (
  select seq, credit, amount,
    case wallet when 0 then $1::bigint when -1 then $2::bigint else 0 end
      + sum(case when credit then amount else -amount end)
          over (partition by wallet order by seq rows unbounded preceding) as balance
  from (
    select p.seq, leg.credit, leg.wallet,
      coalesce(p.amount, coalesce(t.debits, 0) + pg_temp.opening_extra(p.credited)) as amount
    from scale_plan p
    left join scale_wallet_total t on p.amount is null and t.wallet = p.credited
    cross join lateral (values (false, p.debited), (true, p.credited)) leg(credit, wallet)
  ) legs
) running
group by seq
order by seq`;

/** Both work tables are in slot order on disk: a BRIN index reads a chunk of slots from each cheaply. */
export const INDEX_PLAN_AND_BALANCES = [
  'create index on scale_plan using brin (seq)',
  'create index on scale_balance using brin (seq)',
  'analyze scale_plan',
  'analyze scale_balance',
];

/**
 * Customer k's wallets for k = $1..$2 ($3 PERSONAL, $4 MERCHANT), opened 30 s after registering, each
 * holding what its postings leave: the deposit's extra plus its credits (the deposit covers the debits).
 * Answers what they hold per currency.
 */
export const INSERT_WALLETS = `
with opened as (
insert into wallets (id, customer_id, wallet_type_id, currency_code, account_number, current_balance, status, created_at)
select pg_temp.seed_uuid(2, w.n), pg_temp.seed_uuid(1, k),
  case when w.usd or o = 0 then $3::uuid else $4::uuid end,
  case when w.usd then 'USD' else 'RWF' end::currency_code,
  pg_temp.account_number(w.n),
  pg_temp.opening_extra(w.n) + coalesce(t.credits, 0),
  case pg_temp.pick(w.n, 16, 2000) when 0 then 'DORMANT' when 1 then 'INACTIVE' else 'ACTIVE' end::wallet_status,
  pg_temp.slot_time(pg_temp.block_start(k)) - interval '30 seconds'
from generate_series($1::bigint, $2::bigint) k
cross join lateral generate_series(0, pg_temp.wallet_count(k) - 1) o
cross join lateral (select pg_temp.wallet_base(k) + 1 + o as n, o = 1 and k % ${USD_EVERY} = 0 as usd) w
left join scale_wallet_total t on t.wallet = w.n
returning currency_code, current_balance
)
select currency_code as currency, sum(current_balance)::text as total from opened group by currency_code`;

/**
 * The FLOAT wallet $1 after the seeded postings, $2: the seeded postings net to 0 per currency, so the
 * FLOAT gives up exactly what the seeded wallets of its currency hold.
 */
export const SETTLE_FLOAT = 'update wallets set current_balance = $2::bigint where id = $1::uuid';

/**
 * Slots $1..$2 as transactions ($3..$6: the DEPOSIT, WITHDRAWAL, TRANSFER, PAYMENT type ids), and their
 * keys, unique across the months, into posting_keys, as the posting engine writes them.
 */
export const INSERT_TRANSACTIONS = `
with posted as (
insert into transactions (id, reference_number, external_reference_number, request_hash, transaction_type_id,
  channel_type, debited_wallet_id, credited_wallet_id, amount, currency_code, debited_wallet_balance,
  credited_wallet_balance, status, status_message, reversal_of, created_at)
select pg_temp.seed_uuid(3, p.seq), pg_temp.reference(p.seq),
  case when p.reversal_of is null then 'scale-' || p.seq else 'reversal:' || pg_temp.seed_uuid(3, p.reversal_of) end,
  'seed:scale',
  (array[$3::uuid, $4::uuid, $5::uuid, $6::uuid])[p.type + 1],
  (array['WEB', 'APP', 'KIOSK', 'USSD']::channel_type[])[p.channel + 1],
  pg_temp.wallet_uuid(p.debited), pg_temp.wallet_uuid(p.credited),
  b.amount,
  (array['RWF', 'USD']::currency_code[])[p.currency + 1],
  b.debited_balance, b.credited_balance,
  case when p.reversed then 'REVERSED' else 'COMPLETED' end::transaction_status,
  case when p.reversal_of is not null then 'Reversal of ' || pg_temp.reference(p.reversal_of) end,
  pg_temp.seed_uuid(3, p.reversal_of),
  pg_temp.slot_time(p.seq)
from scale_plan p
join scale_balance b on b.seq = p.seq
where p.seq between $1 and $2 and b.seq between $1 and $2
returning external_reference_number, reference_number, id, created_at
)
insert into posting_keys (external_reference_number, reference_number, transaction_id, created_at)
select external_reference_number, reference_number, id, created_at from posted`;

/**
 * The months the seeded postings span ($1..$2), made before they are written, by migration 0004's one
 * function (`partitions.ts` calls it too); the months ahead are the migration's, made when the server starts.
 */
export const MAKE_PARTITIONS = 'select transactions_make_partitions($1::timestamptz, $2::timestamptz)';
