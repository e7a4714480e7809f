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

// One statement for all the admin postings of a batch (or a reversal). The posting's time is the
// ledger's: taken from its row, written earlier in the same transaction, and formatted as the API's
// toISOString formats it, so that `after` is exactly the posting the API shows. The audit row is dated
// by the same clock as the postings of its batch (or the reversal posting).
const INSERT_TRANSACTION_AUDITS = `
  insert into audit_log (actor_id, actor_role, action, entity_type, entity_id, before, after, created_at)
  select a."actorId", a."actorRole", a.action, a."entityType", a."entityId", a.before,
         a.after || jsonb_build_object('createdAt',
           to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
         $2::timestamptz
  from json_to_recordset($1::text::json) as a("actorId" uuid, "actorRole" role, action text,
    "entityType" text, "entityId" uuid, before jsonb, after jsonb)
  join transactions t on t.id = a."entityId"
  returning id`;

/**
 * Audit rows about transactions, in one statement inside the ledger's `transact`; issued only when
 * there are some, so a batch of customer postings costs nothing more. Gives the number of rows written:
 * fewer than asked when a posting was not written, which the caller checks once it knows why.
 */
export async function insertTransactionAudits(
  run: RunSql,
  entries: NewAuditEntry[],
  postedAt: Date,
): Promise<number> {
  if (entries.length === 0) return 0;
  return (await run(INSERT_TRANSACTION_AUDITS, [JSON.stringify(entries), postedAt.toISOString()])).length;
}
