import {
  type Actor,
  DomainError,
  type Limit,
  type LimitListInput,
  type LimitRemoveInput,
  type LimitSetInput,
  type Page,
} from '@tekana/contracts';
import { type Database, limitUsage, listPage, periodLimits, recordAudit } from '@tekana/db';
import { and, eq, isNull } from 'drizzle-orm';
import type { Clock } from '../ports/clock';
import { toLimit } from './api-rows';
import { auditEntry } from './audit';
import { assertTypesExist } from './type-references';

export type PeriodLimitService = ReturnType<typeof createPeriodLimitService>;

/**
 * Limits per period (README, "Limits per period"): what a wallet of a type may send per day or month, of
 * one transaction type or of all. The posting engine enforces them; this service keeps them, audited.
 */
export function createPeriodLimitService({ database, clock }: { database: Database; clock: Clock }) {
  const { db } = database;

  return {
    /**
     * Upsert: the limit of (wallet type, transaction type or none, period) becomes exactly the input; a cap
     * left out is no cap. Audited as limit.create or limit.update. Usage already counted in the current
     * period stays counted: a lowered cap applies at once.
     */
    async set(actor: Actor, input: LimitSetInput): Promise<Limit> {
      await assertTypesExist(db, input);
      const transactionTypeId = input.transactionTypeId ?? null;
      const caps = { maxAmount: input.maxAmount ?? null, maxCount: input.maxCount ?? null };
      const key = and(
        eq(periodLimits.walletTypeId, input.walletTypeId),
        transactionTypeId
          ? eq(periodLimits.transactionTypeId, transactionTypeId)
          : isNull(periodLimits.transactionTypeId),
        eq(periodLimits.period, input.period),
      );
      return db.transaction(async (tx) => {
        // Two tries at most: a limit another admin inserts meanwhile makes ours an update of theirs.
        for (let attempt = 1; attempt <= 2; attempt++) {
          // Locked, so that the audit's "before" is what this change replaced.
          const [old] = await tx.select().from(periodLimits).where(key).for('no key update');
          const now = clock.now();
          if (old) {
            const [row] = await tx
              .update(periodLimits)
              .set({ ...caps, updatedAt: now })
              .where(eq(periodLimits.id, old.id))
              .returning();
            if (!row) throw new Error('update returned no row');
            const [before, after] = [toLimit(old), toLimit(row)];
            await recordAudit(tx, [auditEntry(actor, 'limit.update', row.id, before, after)]);
            return after;
          }
          const values = {
            ...caps,
            walletTypeId: input.walletTypeId,
            transactionTypeId,
            period: input.period,
          };
          const [row] = await tx
            .insert(periodLimits)
            .values({ ...values, createdAt: now, updatedAt: now })
            .onConflictDoNothing()
            .returning();
          if (row) {
            const created = toLimit(row);
            await recordAudit(tx, [auditEntry(actor, 'limit.create', created.id, null, created)]);
            return created;
          }
        }
        throw new Error('limit set: the limit was neither found nor inserted');
      });
    },

    async list(input: LimitListInput): Promise<Page<Limit>> {
      const l = periodLimits;
      const filters = [
        input.walletTypeId ? eq(l.walletTypeId, input.walletTypeId) : undefined,
        input.transactionTypeId ? eq(l.transactionTypeId, input.transactionTypeId) : undefined,
        input.period ? eq(l.period, input.period) : undefined,
      ];
      const from = database.reader.select().from(l);
      return listPage(input, { from, keyset: l, filters, toItem: toLimit });
    },

    /** Removes a limit and its counters; postings are no longer held to it. Audited as limit.delete. */
    async remove(actor: Actor, input: LimitRemoveInput): Promise<Limit> {
      return db.transaction(async (tx) => {
        const [row] = await tx.delete(periodLimits).where(eq(periodLimits.id, input.id)).returning();
        if (!row) throw new DomainError('NOT_FOUND', 'No such limit');
        await tx.delete(limitUsage).where(eq(limitUsage.limitId, row.id));
        const removed = toLimit(row);
        await recordAudit(tx, [auditEntry(actor, 'limit.delete', row.id, removed, null)]);
        return removed;
      });
    },
  };
}
