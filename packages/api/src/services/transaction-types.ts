import {
  DomainError,
  type Page,
  type TransactionType,
  type TransactionTypeCreateInput,
  type TransactionTypeListInput,
  type TransactionTypeStatusInput,
} from '@tekana/contracts';
import { type Database, listPage, transactionTypes, uniqueViolation } from '@tekana/db';
import { eq } from 'drizzle-orm';
import { toTransactionType } from './ledger-rows';

export type TransactionTypeService = ReturnType<typeof createTransactionTypeService>;

/** DEPOSIT, WITHDRAWAL, TRANSFER, PAYMENT and any an admin adds: amount limits and a status. */
export function createTransactionTypeService({ database }: { database: Database }) {
  return {
    async create(input: TransactionTypeCreateInput): Promise<TransactionType> {
      try {
        const [row] = await database.db.insert(transactionTypes).values(input).returning();
        if (!row) throw new Error('insert returned no row');
        return toTransactionType(row);
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
      const page = await listPage(input, transactionTypes, filters, (q) =>
        database.reader
          .select()
          .from(transactionTypes)
          .where(q.where)
          .orderBy(...q.orderBy)
          .limit(q.limit)
          .offset(q.offset),
      );
      return { items: page.items.map(toTransactionType), nextCursor: page.nextCursor };
    },

    /** An INACTIVE type refuses new postings (TRANSACTION_TYPE_INACTIVE); its past postings stay as they are. */
    async setStatus(input: TransactionTypeStatusInput): Promise<TransactionType> {
      const [row] = await database.db
        .update(transactionTypes)
        .set({ status: input.status })
        .where(eq(transactionTypes.id, input.id))
        .returning();
      if (!row) throw new DomainError('NOT_FOUND', 'No such transaction type');
      return toTransactionType(row);
    },
  };
}
