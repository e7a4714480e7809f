import {
  type Actor,
  DomainError,
  type Page,
  type Transaction,
  type TransactionListInput,
} from '@tekana/contracts';
import { type Database, listPage, transactions, wallets } from '@tekana/db';
import { and, eq, getTableColumns, gte, inArray, lte, or } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { transactionFor } from './api-rows';

const debitedWallet = alias(wallets, 'debited_wallet');
const creditedWallet = alias(wallets, 'credited_wallet');

/** A posting's columns with its two wallets' owners, who decide which balances a caller sees. */
const postingWithOwners = {
  ...getTableColumns(transactions),
  debitedCustomerId: debitedWallet.customerId,
  creditedCustomerId: creditedWallet.customerId,
};

export type TransactionService = ReturnType<typeof createTransactionService>;

/** The read side of the ledger: postings as their customers and admins see them. */
export function createTransactionService({ database }: { database: Database }) {
  const { reader } = database;

  // A customer sees the postings that touch one of their wallets; another's are "not found".
  function visibleTo(actor: Actor) {
    if (actor.role === 'ADMIN') return undefined;
    const own = reader.select({ id: wallets.id }).from(wallets).where(eq(wallets.customerId, actor.id));
    return or(inArray(transactions.debitedWalletId, own), inArray(transactions.creditedWalletId, own));
  }

  const selectPostings = () =>
    reader
      .select(postingWithOwners)
      .from(transactions)
      .innerJoin(debitedWallet, eq(debitedWallet.id, transactions.debitedWalletId))
      .innerJoin(creditedWallet, eq(creditedWallet.id, transactions.creditedWalletId));

  return {
    async list(actor: Actor, input: TransactionListInput): Promise<Page<Transaction>> {
      const t = transactions;
      const filters = [
        visibleTo(actor),
        input.id ? eq(t.id, input.id) : undefined,
        input.walletId
          ? or(eq(t.debitedWalletId, input.walletId), eq(t.creditedWalletId, input.walletId))
          : undefined,
        input.debitedWalletId ? eq(t.debitedWalletId, input.debitedWalletId) : undefined,
        input.creditedWalletId ? eq(t.creditedWalletId, input.creditedWalletId) : undefined,
        input.transactionTypeId ? eq(t.transactionTypeId, input.transactionTypeId) : undefined,
        input.status ? eq(t.status, input.status) : undefined,
        input.channelType ? eq(t.channelType, input.channelType) : undefined,
        input.currencyCode ? eq(t.currencyCode, input.currencyCode) : undefined,
        input.referenceNumber ? eq(t.referenceNumber, input.referenceNumber) : undefined,
        input.externalReferenceNumber
          ? eq(t.externalReferenceNumber, input.externalReferenceNumber)
          : undefined,
        input.reversalOf ? eq(t.reversalOf, input.reversalOf) : undefined,
        input.amount === undefined ? undefined : eq(t.amount, input.amount),
        input.minAmount === undefined ? undefined : gte(t.amount, input.minAmount),
        input.maxAmount === undefined ? undefined : lte(t.amount, input.maxAmount),
        // Both ends inclusive, like the amount range.
        input.createdFrom ? gte(t.createdAt, input.createdFrom) : undefined,
        input.createdTo ? lte(t.createdAt, input.createdTo) : undefined,
      ];
      return listPage(input, {
        from: selectPostings(),
        keyset: t,
        filters,
        toItem: (row) => transactionFor(actor, row, row),
      });
    },

    async get(actor: Actor, id: string): Promise<Transaction> {
      const [row] = await selectPostings()
        .where(and(eq(transactions.id, id), visibleTo(actor)))
        .limit(1);
      if (!row) throw new DomainError('NOT_FOUND', 'No such transaction');
      return transactionFor(actor, row, row);
    },
  };
}
