import { bigint, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';

/**
 * SMS notices written in the same database transaction as their posting (a transactional outbox): a
 * relay hands them to the queue and deletes them in one transaction, so no notice is lost when the server
 * dies or Redis is down. It holds only notices not yet queued, so its primary key is its only index: the
 * relay takes the oldest first, and two per posting cost one index entry each.
 */
export const smsOutbox = pgTable('sms_outbox', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  transactionId: uuid('transaction_id').notNull(),
  kind: text('kind').notNull(),
  recipient: text('recipient').notNull(),
  text: text('text').notNull(),
  createdAt: createdAt(),
});
