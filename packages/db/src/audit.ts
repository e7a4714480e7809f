import type { AuditAction, AuditEntityType, AuditValues, Role } from '@tekana/contracts';
import type { Queryable, RunSql } from './handle';
import { auditLog } from './schema';

/** An audit row as the application writes it; the database gives its id and time. */
export type NewAuditEntry = {
  actorId: string;
  actorRole: Role;
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  before: AuditValues;
  after: AuditValues;
};

/** Writes audit rows in the caller's drizzle transaction: they commit, or roll back, with the change. */
export async function recordAudit(q: Queryable, entries: NewAuditEntry[]): Promise<void> {
  if (entries.length > 0) await q.insert(auditLog).values(entries);
}

// One statement for all the admin postings of a batch (or a reversal, a capture, a void), dated by the
// ledger's clock like the postings. A new posting's `after` has no time yet: it gets `postedAt`, the time
// its row is written with, formatted as the API's toISOString formats it, so that `after` is exactly the
// posting the API shows; an `after` that already carries its entity's time keeps it.
const INSERT_TRANSACTION_AUDITS = `
  insert into audit_log (actor_id, actor_role, action, entity_type, entity_id, before, after, created_at)
  select a."actorId", a."actorRole", a.action, a."entityType", a."entityId", a.before,
         jsonb_build_object('createdAt',
           to_char($2::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) || a.after,
         $2::timestamptz
  from json_to_recordset($1::text::json) as a("actorId" uuid, "actorRole" role, action text,
    "entityType" text, "entityId" uuid, before jsonb, after jsonb)`;

/**
 * Audit rows about transactions, in one statement inside the ledger's `transact`; issued only when
 * there are some, so a batch of customer postings costs nothing more.
 */
export async function insertTransactionAudits(
  run: RunSql,
  entries: NewAuditEntry[],
  postedAt: Date,
): Promise<void> {
  if (entries.length > 0)
    await run(INSERT_TRANSACTION_AUDITS, [JSON.stringify(entries), postedAt.toISOString()]);
}
