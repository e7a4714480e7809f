import type { Actor, Rule, Transaction, TransactionType, Wallet, WalletType } from '@tekana/contracts';
import type {
  NewPosting,
  TransactionRow,
  transactionTypes,
  wallets,
  walletTypeRules,
  walletTypes,
} from '@tekana/db';

/** Ledger rows as the API shows them: the old API's field names, dates as ISO strings, no request hash. */
export function toWalletType(row: typeof walletTypes.$inferSelect): WalletType {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    minimumTransactionAmount: row.minimumTransactionAmount,
    maximumTransactionAmount: row.maximumTransactionAmount,
    allowNegativeBalance: row.allowNegativeBalance,
  };
}

export function toWallet(row: typeof wallets.$inferSelect): Wallet {
  return {
    id: row.id,
    customerId: row.customerId,
    walletTypeId: row.walletTypeId,
    currencyCode: row.currencyCode,
    accountNumber: row.accountNumber,
    currentBalance: row.currentBalance,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toTransactionType(row: typeof transactionTypes.$inferSelect): TransactionType {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    description: row.description,
    minimumAmount: row.minimumAmount,
    maximumAmount: row.maximumAmount,
    status: row.status,
  };
}

export function toRule(row: typeof walletTypeRules.$inferSelect): Rule {
  return {
    transactionTypeId: row.transactionTypeId,
    walletTypeId: row.walletTypeId,
    debitAllowed: row.debitAllowed,
    creditAllowed: row.creditAllowed,
  };
}

/** The customers who own a posting's two wallets; null when unknown, which hides that side. */
export type PostingOwners = { debitedCustomerId: string | null; creditedCustomerId: string | null };

/**
 * A posting as `viewer` may see it, the only way a posting leaves the services: an admin sees both
 * balances; a customer sees a side's balance only when that wallet is theirs (never the payee's, nor the
 * float's after a deposit), and null for the other side.
 */
export function transactionFor(viewer: Actor, row: TransactionRow, owners: PostingOwners): Transaction {
  const sees = (ownerId: string | null) => viewer.role === 'ADMIN' || ownerId === viewer.id;
  const full = toTransaction(row);
  return {
    ...full,
    debitedWalletBalance: sees(owners.debitedCustomerId) ? full.debitedWalletBalance : null,
    creditedWalletBalance: sees(owners.creditedCustomerId) ? full.creditedWalletBalance : null,
  };
}

/** A posting with both balances, as an admin and the audit log see it. */
export function toTransaction(row: TransactionRow): Transaction {
  return { ...toPostingFields(row), createdAt: row.createdAt.toISOString() };
}

/** A posting with both balances but for its time, which the database gives only when it writes the row. */
export function toPostingFields(row: NewPosting): Omit<Transaction, 'createdAt'> {
  return {
    id: row.id,
    referenceNumber: row.referenceNumber,
    externalReferenceNumber: row.externalReferenceNumber,
    transactionTypeId: row.transactionTypeId,
    channelType: row.channelType,
    debitedWalletId: row.debitedWalletId,
    creditedWalletId: row.creditedWalletId,
    amount: row.amount,
    currencyCode: row.currencyCode,
    debitedWalletBalance: row.debitedWalletBalance,
    creditedWalletBalance: row.creditedWalletBalance,
    status: row.status,
    statusMessage: row.statusMessage,
    reversalOf: row.reversalOf,
  };
}
