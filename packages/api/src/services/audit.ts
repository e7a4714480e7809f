import {
  type Actor,
  AUDIT_ENTITY_OF,
  type AuditAction,
  type AuditEntry,
  type AuditListInput,
  type AuditValues,
  type Page,
} from '@tekana/contracts';
import { auditLog, type Database, listPage, type NewAuditEntry } from '@tekana/db';
import { eq, gte, lte } from 'drizzle-orm';
import { toAuditEntry } from './api-rows';

export type AuditService = ReturnType<typeof createAuditService>;

/**
 * One admin action as an audit row: who did what to which entity, and the entity as the API shows it
 * before and after (null before a creation). Written by the service that makes the change, in its
 * own database transaction.
 */
export function auditEntry(
  actor: Actor,
  action: AuditAction,
  entityId: string,
  before: AuditValues,
  after: AuditValues,
): NewAuditEntry {
  const entityType = AUDIT_ENTITY_OF[action];
  return { actorId: actor.id, actorRole: actor.role, action, entityType, entityId, before, after };
}

/** The read side of the audit log; its rows are written beside each change, never changed after. */
export function createAuditService({ database }: { database: Database }) {
  return {
    async list(input: AuditListInput): Promise<Page<AuditEntry>> {
      const a = auditLog;
      const filters = [
        input.actorId ? eq(a.actorId, input.actorId) : undefined,
        input.action ? eq(a.action, input.action) : undefined,
        input.entityType ? eq(a.entityType, input.entityType) : undefined,
        input.entityId ? eq(a.entityId, input.entityId) : undefined,
        input.from ? gte(a.createdAt, input.from) : undefined,
        input.to ? lte(a.createdAt, input.to) : undefined,
      ];
      const from = database.reader.select().from(a);
      return listPage(input, { from, keyset: a, filters, toItem: toAuditEntry });
    },
  };
}
