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

// SKIP LOCKED: relays of several processes take disjoint notices instead of queueing behind each other. The
// rows are deleted by the taking transaction: it queues them before it commits, and its rollback (the queue
// refused them, or the relay died) leaves them in the outbox for the next round.
const TAKE_PENDING = `
  delete from sms_outbox where id in (
    select id from sms_outbox order by id limit $1 for update skip locked)
  returning id, transaction_id as "transactionId", kind, recipient, text`;

/** The oldest pending notices, oldest first, deleted by the caller's transaction (back if it rolls back). */
export async function takePendingNotices(run: RunSql, limit: number): Promise<OutboxNotice[]> {
  const rows = await run(TAKE_PENDING, [limit]);
  return rows
    .map((r) => ({ ...(r as Omit<OutboxNotice, 'id'>), id: Number(r.id) }))
    .sort((a, b) => a.id - b.id);
}
