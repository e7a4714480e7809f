import { z } from 'zod';
import { dateTimeQuery, dateTimeSchema, idSchema } from './common';
import { roleSchema } from './enums';
import { paginationInput } from './pagination';

/** What an admin did, as `<entity>.<verb>`: one audit row per action. */
export const AUDIT_ACTIONS = [
  'walletType.create',
  'transactionType.create',
  'transactionType.setStatus',
  'rule.create',
  'rule.update',
  'wallet.create',
  'wallet.setStatus',
  'transaction.post',
  'transaction.reverse',
  'transaction.capture',
  'transaction.void',
  'admin.create',
  'limit.create',
  'limit.update',
  'limit.delete',
] as const;
export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

/** What an audit row is about. A rule's id is `<transactionTypeId>:<walletTypeId>`, its key. */
export const AUDIT_ENTITY_TYPES = [
  'walletType',
  'transactionType',
  'rule',
  'wallet',
  'transaction',
  'customer',
  'limit',
] as const;
export const auditEntityTypeSchema = z.enum(AUDIT_ENTITY_TYPES);
export type AuditEntityType = z.infer<typeof auditEntityTypeSchema>;

/** The kind of entity each action is about. */
export const AUDIT_ENTITY_OF: Record<AuditAction, AuditEntityType> = {
  'walletType.create': 'walletType',
  'transactionType.create': 'transactionType',
  'transactionType.setStatus': 'transactionType',
  'rule.create': 'rule',
  'rule.update': 'rule',
  'wallet.create': 'wallet',
  'wallet.setStatus': 'wallet',
  'transaction.post': 'transaction',
  'transaction.reverse': 'transaction',
  'transaction.capture': 'transaction',
  'transaction.void': 'transaction',
  'admin.create': 'customer',
  'limit.create': 'limit',
  'limit.update': 'limit',
  'limit.delete': 'limit',
};

/** The entity as the API shows it, before or after the action; null before a creation. */
export const auditValuesSchema = z.record(z.string(), z.unknown()).nullable();
export type AuditValues = z.infer<typeof auditValuesSchema>;

export const auditEntrySchema = z.object({
  id: idSchema,
  actorId: idSchema,
  /** ADMIN for the API's admins; SYSTEM for `pnpm admin:create`, which no signed-in person runs. */
  actorRole: roleSchema,
  action: auditActionSchema,
  entityType: auditEntityTypeSchema,
  entityId: z.string(),
  before: auditValuesSchema,
  after: auditValuesSchema,
  /** The database's time of the transaction that made the change. */
  createdAt: dateTimeSchema,
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditListInput = paginationInput.extend({
  actorId: idSchema.optional(),
  action: auditActionSchema.optional(),
  entityType: auditEntityTypeSchema.optional(),
  entityId: z.string().max(100).optional(),
  // Both ends inclusive, like the transactions' createdFrom and createdTo.
  from: dateTimeQuery.optional(),
  to: dateTimeQuery.optional(),
});
export type AuditListInput = z.infer<typeof auditListInput>;
