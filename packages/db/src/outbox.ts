import type { RunSql } from './handle';

/** A notice waiting in the outbox for the relay. */
export type OutboxNotice = {
  id: number;
  transactionId: string;
  kind: string;
  recipient: string;
  text: string;
};
export type NewOutboxNotice = Omit<OutboxNotice, 'id'>;

const INSERT_NOTICES = `
  insert into sms_outbox (transaction_id, kind, recipient, text)
  select n."transactionId", n.kind, n.recipient, n.text
  from json_to_recordset($1::text::json) as n("transactionId" uuid, kind text, recipient text, text text)`;

/** Writes notices in the caller's transaction: they exist exactly when their posting does. */
export async function insertNotices(run: RunSql, notices: NewOutboxNotice[]): Promise<void> {
  if (notices.length > 0) await run(INSERT_NOTICES, [JSON.stringify(notices)]);
}

// SKIP LOCKED: relays of several processes take disjoint notices instead of queueing behind each other.
const CLAIM_PENDING = `
  select id, transaction_id as "transactionId", kind, recipient, text from sms_outbox
  where relayed_at is null order by id limit $1 for update skip locked`;

/** The oldest pending notices, locked until the caller's transaction ends. */
export async function claimPendingNotices(run: RunSql, limit: number): Promise<OutboxNotice[]> {
  const rows = await run(CLAIM_PENDING, [limit]);
  return rows.map((r) => ({ ...(r as Omit<OutboxNotice, 'id'>), id: Number(r.id) }));
}

const MARK_RELAYED = `update sms_outbox set relayed_at = now() where id = any($1::bigint[])`;

export async function markNoticesRelayed(run: RunSql, ids: number[]): Promise<void> {
  await run(MARK_RELAYED, [`{${ids.join(',')}}`]);
}

const PURGE_RELAYED = `delete from sms_outbox where relayed_at < now() - make_interval(secs => $1)`;

/** Relayed notices are kept a while for inspection, then deleted: the queue has them. */
export async function purgeRelayedNotices(run: RunSql, olderThanSeconds: number): Promise<void> {
  await run(PURGE_RELAYED, [olderThanSeconds]);
}
