import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, instant } from './columns';

/**
 * SMS notices written in the same database transaction as their posting (a transactional outbox): a
 * relay hands them to the queue and marks them, so no notice is lost when the server dies or Redis is down.
 */
export const smsOutbox = pgTable(
  'sms_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: uuid('transaction_id').notNull(),
    kind: text('kind').notNull(),
    recipient: text('recipient').notNull(),
    text: text('text').notNull(),
    createdAt: createdAt(),
    relayedAt: instant('relayed_at'),
  },
  (t) => [
    // The relay reads only what is still pending; relayed rows stay out of its index.
    index('sms_outbox_pending_idx').on(t.id).where(sql`${t.relayedAt} is null`),
    index('sms_outbox_transaction_id_idx').on(t.transactionId),
  ],
);
