import type { Role } from '@tekana/contracts';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Queryable, Tx } from './client';
import { customers, transactions, transactionTypes, wallets, walletTypeRules, walletTypes } from './schema';

/** The ledger's SQL: what a posting reads, locks and writes. The rules about money live in the ledger service. */

export type TransactionRow = typeof transactions.$inferSelect;
export type TransactionTypeRow = typeof transactionTypes.$inferSelect;
export type WalletTypeRuleRow = typeof walletTypeRules.$inferSelect;

/** A wallet locked for a posting, with what the checks need: its type's limits and its owner. */
export type LockedWallet = typeof wallets.$inferSelect & {
  type: typeof walletTypes.$inferSelect;
  owner: { role: Role; phoneNumber: string };
};

/**
 * Locks the wallets `FOR UPDATE`, in id order (ORDER BY runs below the row locking): every posting takes
 * its locks in the same order, so A→B and B→A queue behind each other instead of deadlocking.
 * Wallets that do not exist are simply absent from the map.
 */
export async function lockWalletsInIdOrder(tx: Tx, ids: string[]): Promise<Map<string, LockedWallet>> {
  const rows = await tx
    .select({
      wallet: wallets,
      type: walletTypes,
      owner: { role: customers.role, phoneNumber: customers.phoneNumber },
    })
    .from(wallets)
    .innerJoin(walletTypes, eq(walletTypes.id, wallets.walletTypeId))
    .innerJoin(customers, eq(customers.id, wallets.customerId))
    .where(inArray(wallets.id, ids))
    .orderBy(wallets.id)
    .for('update', { of: wallets });
  return new Map(rows.map((r) => [r.wallet.id, { ...r.wallet, type: r.type, owner: r.owner }]));
}

/** The transaction type named by id or code, with its rules (one per wallet type it may touch). */
export async function findTransactionType(
  db: Queryable,
  by: { transactionTypeId?: string | undefined; transactionTypeCode?: string | undefined },
): Promise<{ transactionType: TransactionTypeRow; rules: WalletTypeRuleRow[] } | undefined> {
  const where = by.transactionTypeId
    ? eq(transactionTypes.id, by.transactionTypeId)
    : eq(transactionTypes.code, by.transactionTypeCode ?? '');
  const [transactionType] = await db.select().from(transactionTypes).where(where).limit(1);
  if (!transactionType) return undefined;
  const rules = await db
    .select()
    .from(walletTypeRules)
    .where(eq(walletTypeRules.transactionTypeId, transactionType.id));
  return { transactionType, rules };
}

export async function findByExternalReference(db: Queryable, externalReferenceNumber: string) {
  const [row] = await db
    .select()
    .from(transactions)
    .where(eq(transactions.externalReferenceNumber, externalReferenceNumber))
    .limit(1);
  return row;
}

/** Locks a posted transaction so that two reversals of it queue behind each other. */
export async function lockTransaction(tx: Tx, id: string): Promise<TransactionRow | undefined> {
  const [row] = await tx.select().from(transactions).where(eq(transactions.id, id)).for('update');
  return row;
}

export async function markReversed(tx: Tx, id: string): Promise<void> {
  await tx.update(transactions).set({ status: 'REVERSED' }).where(eq(transactions.id, id));
}

export type PostingValues = Omit<
  typeof transactions.$inferInsert,
  'id' | 'createdAt' | 'status' | 'debitedWalletBalance' | 'creditedWalletBalance'
>;

/**
 * Moves `amount` from the debited to the credited wallet and records the posting with both balances
 * after it. The caller holds both wallets' locks and has checked everything.
 */
export async function writePosting(tx: Tx, posting: PostingValues): Promise<TransactionRow> {
  const { debitedWalletId, creditedWalletId, amount } = posting;
  const balances = await tx
    .update(wallets)
    .set({
      currentBalance: sql`${wallets.currentBalance} + case when ${wallets.id} = ${debitedWalletId} then ${-amount}::bigint else ${amount}::bigint end`,
    })
    .where(inArray(wallets.id, [debitedWalletId, creditedWalletId]))
    .returning({ id: wallets.id, balance: wallets.currentBalance });
  const debitedWalletBalance = balances.find((b) => b.id === debitedWalletId)?.balance;
  const creditedWalletBalance = balances.find((b) => b.id === creditedWalletId)?.balance;
  if (debitedWalletBalance === undefined || creditedWalletBalance === undefined) {
    throw new Error('writePosting: a wallet of the posting is missing');
  }
  const [row] = await tx
    .insert(transactions)
    .values({ ...posting, debitedWalletBalance, creditedWalletBalance, status: 'COMPLETED' })
    .returning();
  if (!row) throw new Error('writePosting: insert returned no row');
  return row;
}
