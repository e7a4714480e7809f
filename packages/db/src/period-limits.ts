import type { LimitPeriod } from '@tekana/contracts';
import type { RunSql } from './handle';
import { pgArray, sqlMoney } from './sql-values';

/**
 * The SQL of limits per period on the posting path: what the debited wallets may still send, read under
 * their locks; what a batch used, added in one statement; what a reversal or a hold released gives back. The rules (which
 * limit applies, what is over it) live in the ledger service.
 */

/** Where each period the batch counts in starts (the posting time's day and month in the limits' zone). */
export type PeriodStarts = Record<LimitPeriod, Date>;

/** A limit of a debited wallet's type, with what that wallet used of it in the current period. */
export type WalletLimitUsage = {
  walletId: string;
  limitId: string;
  transactionTypeId: string | null;
  period: LimitPeriod;
  maxAmount: number | null;
  maxCount: number | null;
  usedAmount: number;
  usedCount: number;
};

/** One usage counter's change: added by a batch, or taken back (negative) by a reversal. */
export type LimitUsageChange = {
  walletId: string;
  limitId: string;
  periodStart: Date;
  amount: number;
  count: number;
};

// A limit counts the postings made since it was created (both times from the one clock that dates postings),
// so that a reversal gives back only what a limit took. Run after the wallet locks: no other batch moves
// these counters meanwhile.
const LIMITS_WITH_USAGE = `
  select w.id as "walletId", l.id as "limitId", l.transaction_type_id as "transactionTypeId", l.period,
         l.max_amount as "maxAmount", l.max_count as "maxCount",
         coalesce(u.amount, 0) as "usedAmount", coalesce(u.count, 0) as "usedCount"
  from wallets w
  join period_limits l on l.wallet_type_id = w.wallet_type_id and l.created_at <= $4::timestamptz
  left join limit_usage u on u.wallet_id = w.id and u.limit_id = l.id
    and u.period_start = case l.period when 'DAY' then $2::timestamptz else $3::timestamptz end
  where w.id = any($1::uuid[])`;

/** The limits of these wallets' types in force at `postedAt`, each with the wallet's usage of its current period. */
export async function readLimitUsage(
  run: RunSql,
  walletIds: string[],
  postedAt: Date,
  starts: PeriodStarts,
): Promise<WalletLimitUsage[]> {
  const rows = await run(LIMITS_WITH_USAGE, [
    pgArray(walletIds),
    starts.DAY.toISOString(),
    starts.MONTH.toISOString(),
    postedAt.toISOString(),
  ]);
  return rows.map((r) => ({
    walletId: r.walletId as string,
    limitId: r.limitId as string,
    transactionTypeId: r.transactionTypeId as string | null,
    period: r.period as LimitPeriod,
    maxAmount: r.maxAmount === null ? null : sqlMoney(r.maxAmount),
    maxCount: r.maxCount === null ? null : Number(r.maxCount),
    usedAmount: sqlMoney(r.usedAmount),
    usedCount: Number(r.usedCount),
  }));
}

// One statement per batch, however many counters it moved; the wallets' locks serialize it with every other
// batch and reversal of those wallets, in every process.
const ADD_LIMIT_USAGE = `
  insert into limit_usage as u (wallet_id, limit_id, period_start, amount, count)
  select c."walletId", c."limitId", c."periodStart", c.amount, c.count
  from json_to_recordset($1::text::json) as c("walletId" uuid, "limitId" uuid, "periodStart" timestamptz,
    amount bigint, count integer)
  on conflict (wallet_id, limit_id, period_start)
  do update set amount = u.amount + excluded.amount, count = u.count + excluded.count`;

// A period that started this long ago has ended, whatever its kind (a month is at most 31 days) and zone.
const ENDED_AFTER_DAYS = 40;

/**
 * Deletes the counters of periods that ended: no posting counts in them again, and a give-back to one (a
 * reversal of an old posting) finds nothing to give back to, which is right, since that period is over.
 * Gives how many went.
 */
export async function pruneLimitUsage(run: RunSql, now: Date): Promise<number> {
  const before = new Date(now.getTime() - ENDED_AFTER_DAYS * 86_400_000);
  const [row] = await run(
    'with gone as (delete from limit_usage where period_start < $1::timestamptz returning 1) select count(*)::int as n from gone',
    [before.toISOString()],
  );
  return Number(row?.n ?? 0);
}

/** Adds a batch's usage to its counters; the caller issues it only when a limit applied. */
export async function addLimitUsage(run: RunSql, changes: LimitUsageChange[]): Promise<void> {
  if (changes.length > 0) await run(ADD_LIMIT_USAGE, [JSON.stringify(changes)]);
}

/**
 * What a posting took of its debited wallet's limits, to give back (a reversal, a hold voided, expired or
 * captured for less): to the counters of the periods it was counted in, of the limits that counted it.
 */
export type LimitGiveBack = {
  debitedWalletId: string;
  transactionTypeId: string;
  /** When the posting was counted: a limit created after it never counted it. */
  postedAt: Date;
  /** The periods that held `postedAt`. */
  starts: PeriodStarts;
  amount: number;
  count: number;
};

// The counters of the periods each posting was counted in, of the limits that counted it: those of its
// debited wallet's type, of its transaction type or of every type, created before it. Summed per counter
// first (an update applies one source row per target row), and never below zero. The counters are matched
// by their wallets' ids, `= any` of an array, as the batch's balances are (ledger.ts): by primary key.
const GIVE_BACK_LIMIT_USAGE = `
  with g as (
    select * from json_to_recordset($1::text::json) as g("walletId" uuid, "transactionTypeId" uuid,
      "postedAt" timestamptz, "dayStart" timestamptz, "monthStart" timestamptz, amount bigint, count integer)
  ), back as (
    select u.wallet_id, u.limit_id, u.period_start, sum(g.amount) as amount, sum(g.count) as count
    from g
    join wallets w on w.id = g."walletId"
    join period_limits l on l.wallet_type_id = w.wallet_type_id
      and (l.transaction_type_id is null or l.transaction_type_id = g."transactionTypeId")
      and l.created_at <= g."postedAt"
    join limit_usage u on u.wallet_id = any(array(select "walletId" from g)) and u.wallet_id = w.id
      and u.limit_id = l.id
      and u.period_start = case l.period when 'DAY' then g."dayStart" else g."monthStart" end
    group by u.wallet_id, u.limit_id, u.period_start
  )
  update limit_usage u
  set amount = greatest(u.amount - back.amount, 0), count = greatest(u.count - back.count, 0)
  from back
  where u.wallet_id = any(array(select "walletId" from g)) and u.wallet_id = back.wallet_id
    and u.limit_id = back.limit_id
    and u.period_start = back.period_start`;

/** Gives usage back, in one statement however many postings. The caller holds the debited wallets' locks. */
export async function giveBackLimitUsage(run: RunSql, giveBacks: LimitGiveBack[]): Promise<void> {
  const given = giveBacks.filter((g) => g.amount > 0 || g.count > 0);
  if (given.length === 0) return;
  const rows = given.map((g) => ({
    walletId: g.debitedWalletId,
    transactionTypeId: g.transactionTypeId,
    postedAt: g.postedAt.toISOString(),
    dayStart: g.starts.DAY.toISOString(),
    monthStart: g.starts.MONTH.toISOString(),
    amount: g.amount,
    count: g.count,
  }));
  await run(GIVE_BACK_LIMIT_USAGE, [JSON.stringify(rows)]);
}
