import { DomainError } from '@tekana/contracts';
import { type Database, transactionTypes, walletTypes } from '@tekana/db';
import { eq } from 'drizzle-orm';

/**
 * Refuses (NOT_FOUND) a wallet type, or a transaction type when one is given, that does not exist: what a
 * rule or a limit names must be there. Both are read at once; a missing transaction type is named first, as rules always did.
 */
export async function assertTypesExist(
  db: Database['db'],
  { walletTypeId, transactionTypeId }: { walletTypeId: string; transactionTypeId?: string | null },
): Promise<void> {
  const [[walletType], [transactionType]] = await Promise.all([
    db.select({ id: walletTypes.id }).from(walletTypes).where(eq(walletTypes.id, walletTypeId)),
    transactionTypeId
      ? db
          .select({ id: transactionTypes.id })
          .from(transactionTypes)
          .where(eq(transactionTypes.id, transactionTypeId))
      : [{ id: null }],
  ]);
  if (!transactionType) throw new DomainError('NOT_FOUND', 'No such transaction type');
  if (!walletType) throw new DomainError('NOT_FOUND', 'No such wallet type');
}
