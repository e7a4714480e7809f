import type { Actor, Rule, RuleListInput, RuleSetInput } from '@tekana/contracts';
import { type Database, recordAudit, walletTypeRules } from '@tekana/db';
import { and, eq } from 'drizzle-orm';
import { toRule } from './api-rows';
import { auditEntry } from './audit';
import { assertTypesExist } from './type-references';

export type RuleService = ReturnType<typeof createRuleService>;

/**
 * Which wallet types a transaction type may debit and credit. No rule means neither, so the matrix is
 * small (types × wallet types) and listed whole rather than paged.
 */
export function createRuleService({ database }: { database: Database }) {
  const { db } = database;
  return {
    /**
     * Upsert: the rule for this (transaction type, wallet type) pair becomes exactly the input. Audited as
     * rule.create or rule.update, the entity id being the pair `<transactionTypeId>:<walletTypeId>`.
     */
    async set(actor: Actor, input: RuleSetInput): Promise<Rule> {
      await assertTypesExist(db, input);
      const { debitAllowed, creditAllowed } = input;
      const key = and(
        eq(walletTypeRules.transactionTypeId, input.transactionTypeId),
        eq(walletTypeRules.walletTypeId, input.walletTypeId),
      );
      const entityId = `${input.transactionTypeId}:${input.walletTypeId}`;
      return db.transaction(async (tx) => {
        // Two tries at most: a rule another admin inserts meanwhile makes ours an update of theirs.
        for (let attempt = 1; attempt <= 2; attempt++) {
          // Locked, so that the audit's "before" is what this change replaced.
          const [old] = await tx.select().from(walletTypeRules).where(key).for('no key update');
          if (old) {
            const [row] = await tx
              .update(walletTypeRules)
              .set({ debitAllowed, creditAllowed })
              .where(key)
              .returning();
            if (!row) throw new Error('update returned no row');
            const [before, after] = [toRule(old), toRule(row)];
            await recordAudit(tx, [auditEntry(actor, 'rule.update', entityId, before, after)]);
            return after;
          }
          const [row] = await tx.insert(walletTypeRules).values(input).onConflictDoNothing().returning();
          if (row) {
            const created = toRule(row);
            await recordAudit(tx, [auditEntry(actor, 'rule.create', entityId, null, created)]);
            return created;
          }
        }
        throw new Error('rule set: the rule was neither found nor inserted');
      });
    },

    async list(input: RuleListInput): Promise<Rule[]> {
      const rows = await database.reader
        .select()
        .from(walletTypeRules)
        .where(
          and(
            input.transactionTypeId
              ? eq(walletTypeRules.transactionTypeId, input.transactionTypeId)
              : undefined,
            input.walletTypeId ? eq(walletTypeRules.walletTypeId, input.walletTypeId) : undefined,
          ),
        )
        .orderBy(walletTypeRules.transactionTypeId, walletTypeRules.walletTypeId);
      return rows.map(toRule);
    },
  };
}
