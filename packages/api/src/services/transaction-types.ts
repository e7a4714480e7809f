import {
  type Actor,
  DomainError,
  type Page,
  type TransactionType,
  type TransactionTypeCreateInput,
  type TransactionTypeListInput,
  type TransactionTypeStatusInput,
} from '@tekana/contracts';
import { type Database, listPage, recordAudit, transactionTypes, uniqueViolation } from '@tekana/db';
import { eq } from 'drizzle-orm';
import { toTransactionType } from './api-rows';
import { auditEntry } from './audit';

export type TransactionTypeService = ReturnType<typeof createTransactionTypeService>;

/** DEPOSIT, WITHDRAWAL, TRANSFER, PAYMENT and any an admin adds: amount limits and a status. */
export function createTransactionTypeService({ database }: { database: Database }) {
  return {
    async create(actor: Actor, input: TransactionTypeCreateInput): Promise<TransactionType> {
      try {
        return await database.db.transaction(async (tx) => {
          const [row] = await tx.insert(transactionTypes).values(input).returning();
          if (!row) throw new Error('insert returned no row');
          const created = toTransactionType(row);
          await recordAudit(tx, [auditEntry(actor, 'transactionType.create', created.id, null, created)]);
          return created;
        });
      } catch (error) {
        if (uniqueViolation(error) === undefined) throw error;
        throw new DomainError('CONFLICT', `A transaction type with code ${input.code} already exists`);
      }
    },

    async list(input: TransactionTypeListInput): Promise<Page<TransactionType>> {
      const filters = [
        input.code ? eq(transactionTypes.code, input.code) : undefined,
        input.status ? eq(transactionTypes.status, input.status) : undefined,
      ];
      const from = database.reader.select().from(transactionTypes);
      return listPage(input, { from, keyset: transactionTypes, filters, toItem: toTransactionType });
    },

    /** An INACTIVE type refuses new postings (TRANSACTION_TYPE_INACTIVE); its past postings stay as they are. */
    async setStatus(actor: Actor, input: TransactionTypeStatusInput): Promise<TransactionType> {
      return database.db.transaction(async (tx) => {
        const byId = eq(transactionTypes.id, input.id);
        // Locked, so that the audit's "before" is what this change replaced; with the lock the update
        // takes anyway, which lets the foreign-key checks of rules and limits on this row go on meanwhile.
        const [old] = await tx.select().from(transactionTypes).where(byId).for('no key update');
        if (!old) throw new DomainError('NOT_FOUND', 'No such transaction type');
        const [row] = await tx.update(transactionTypes).set({ status: input.status }).where(byId).returning();
        if (!row) throw new Error('update returned no row');
        const [before, after] = [toTransactionType(old), toTransactionType(row)];
        await recordAudit(tx, [auditEntry(actor, 'transactionType.setStatus', row.id, before, after)]);
        return after;
      });
    },
  };
}
