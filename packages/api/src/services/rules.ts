import { DomainError, type Rule, type RuleListInput, type RuleSetInput } from '@tekana/contracts';
import { type Database, transactionTypes, walletTypeRules, walletTypes } from '@tekana/db';
import { and, eq } from 'drizzle-orm';
import { toRule } from './ledger-rows';

export type RuleService = ReturnType<typeof createRuleService>;

/**
 * Which wallet types a transaction type may debit and credit. No rule means neither, so the matrix is
 * small (types × wallet types) and listed whole rather than paged.
 */
export function createRuleService({ database }: { database: Database }) {
  const { db } = database;
  return {
    /** Upsert: the rule for this (transaction type, wallet type) pair becomes exactly the input. */
    async set(input: RuleSetInput): Promise<Rule> {
      const [[transactionType], [walletType]] = await Promise.all([
        db
          .select({ id: transactionTypes.id })
          .from(transactionTypes)
          .where(eq(transactionTypes.id, input.transactionTypeId)),
        db.select({ id: walletTypes.id }).from(walletTypes).where(eq(walletTypes.id, input.walletTypeId)),
      ]);
      if (!transactionType) throw new DomainError('NOT_FOUND', 'No such transaction type');
      if (!walletType) throw new DomainError('NOT_FOUND', 'No such wallet type');
      const { debitAllowed, creditAllowed } = input;
      const [row] = await db
        .insert(walletTypeRules)
        .values(input)
        .onConflictDoUpdate({
          target: [walletTypeRules.transactionTypeId, walletTypeRules.walletTypeId],
          set: { debitAllowed, creditAllowed },
        })
        .returning();
      if (!row) throw new Error('upsert returned no row');
      return toRule(row);
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
