import type { AuditAction, AuditEntityType } from '@tekana/contracts';
import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
import { role } from './enums';

/**
 * Every admin action, written in the same database transaction as the change it records. Append-only:
 * a trigger (migration 0002) refuses UPDATE, DELETE and TRUNCATE. No foreign keys: a row names entities
 * of several tables, and the log must never refuse a row nor hold a lock on what it names.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actorId: uuid('actor_id').notNull(),
    actorRole: role('actor_role').notNull(),
    action: text('action').$type<AuditAction>().notNull(),
    entityType: text('entity_type').$type<AuditEntityType>().notNull(),
    entityId: text('entity_id').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    // The time of the transaction that made the change: the changed row's own created_at, when it has one.
    createdAt: createdAt(),
  },
  (t) => [
    // The list is newest first on (created_at, id); its two usual questions, "what happened to this
    // entity" and "what did this admin do", each get an index that serves the filter and the order.
    index('audit_log_created_at_id_idx').on(t.createdAt, t.id),
    index('audit_log_entity_idx').on(t.entityType, t.entityId, t.createdAt, t.id),
    index('audit_log_actor_idx').on(t.actorId, t.createdAt, t.id),
  ],
);
