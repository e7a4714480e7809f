import {
  type Actor,
  DomainError,
  type Page,
  type Transaction,
  type TransactionListInput,
} from '@tekana/contracts';
import { type Database, listPage, type PageQueryShape, postingKeys, transactions, wallets } from '@tekana/db';
import {
  and,
  desc,
  eq,
  getTableColumns,
  gte,
  inArray,
  lte,
  notInArray,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import { alias, unionAll } from 'drizzle-orm/pg-core';
import { transactionFor } from './api-rows';

const debitedWallet = alias(wallets, 'debited_wallet');
const creditedWallet = alias(wallets, 'credited_wallet');

/** A posting's columns with its two wallets' owners, who decide which balances a caller sees. */
const postingWithOwners = {
  ...getTableColumns(transactions),
  debitedCustomerId: debitedWallet.customerId,
  creditedCustomerId: creditedWallet.customerId,
};

/**
 * The postings holding a key (external or generated reference), found through posting_keys: it is unique
 * across all months and knows the posting's month, so one partition is read, not one index per month.
 */
function holdingKey(key: 'externalReferenceNumber' | 'referenceNumber', value: string | undefined) {
  if (value === undefined) return undefined;
  const k = postingKeys;
  return sql`(${transactions.id}, ${transactions.createdAt}) in (select ${k.transactionId}, ${k.createdAt} from ${k} where ${eq(k[key], value)})`;
}

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

  /**
   * The wallets whose postings a list walks, or null for the whole ledger (an admin naming no wallet).
   * A customer's list is always driven from their own wallets (or the one of theirs they name), never
   * from the ledger: it costs what their history costs, whatever the ledger's size. `touching` keeps,
   * from their wallets' postings, those that touch a wallet they name that is not theirs.
   */
  async function scopeOf(actor: Actor, walletId: string | undefined) {
    if (actor.role === 'ADMIN') return walletId ? { wallets: [walletId], touching: undefined } : null;
    const own = (
      await reader.select({ id: wallets.id }).from(wallets).where(eq(wallets.customerId, actor.id))
    ).map((w) => w.id);
    if (!walletId) return { wallets: own, touching: undefined };
    if (own.includes(walletId)) return { wallets: [walletId], touching: undefined };
    const t = transactions;
    return { wallets: own, touching: or(eq(t.debitedWalletId, walletId), eq(t.creditedWalletId, walletId)) };
  }

  /**
   * A page of the postings of `scope`'s wallets, newest first: for each wallet, its debits and its
   * credits, each read newest first from its own index and cut at the page's end, then merged. Both
   * sides of one wallet would otherwise be an OR that no index serves in order (a scan of all the
   * wallet's postings, or of the ledger). A posting between two wallets of the scope is taken from its
   * debited side only.
   */
  async function scopedPage(scope: { wallets: string[]; touching: SQL | undefined }, q: PageQueryShape) {
    const t = transactions;
    const branch = (side: SQL, where: SQL | undefined) =>
      reader
        .select()
        .from(t)
        .where(and(side, where, scope.touching))
        .orderBy(...q.orderBy)
        .limit(q.limit + q.offset);
    const shared = scope.wallets.length > 1 ? notInArray(t.debitedWalletId, scope.wallets) : undefined;
    const [first, second, ...rest] = scope.wallets.flatMap((walletId) => [
      branch(eq(t.debitedWalletId, walletId), q.where),
      branch(eq(t.creditedWalletId, walletId), and(q.where, shared)),
    ]);
    if (!first || !second) return [];
    const page = unionAll(first, second, ...rest).as('page');
    // The page's columns and the two owners only: fetching and mapping both wallets whole cost the
    // server more than the query cost the database.
    const columns = Object.fromEntries(
      Object.keys(getTableColumns(t)).map((key) => [key, page[key as keyof typeof page]]),
    ) as unknown as typeof page._.selectedFields;
    return reader
      .select({
        ...columns,
        debitedCustomerId: debitedWallet.customerId,
        creditedCustomerId: creditedWallet.customerId,
      })
      .from(page)
      .innerJoin(debitedWallet, eq(debitedWallet.id, page.debitedWalletId))
      .innerJoin(creditedWallet, eq(creditedWallet.id, page.creditedWalletId))
      .orderBy(desc(page.createdAt), desc(page.id))
      .limit(q.limit)
      .offset(q.offset);
  }

  return {
    async list(actor: Actor, input: TransactionListInput): Promise<Page<Transaction>> {
      const t = transactions;
      const scope = await scopeOf(actor, input.walletId);
      const filters = [
        input.id ? eq(t.id, input.id) : undefined,
        input.debitedWalletId ? eq(t.debitedWalletId, input.debitedWalletId) : undefined,
        input.creditedWalletId ? eq(t.creditedWalletId, input.creditedWalletId) : undefined,
        input.transactionTypeId ? eq(t.transactionTypeId, input.transactionTypeId) : undefined,
        input.status ? eq(t.status, input.status) : undefined,
        input.channelType ? eq(t.channelType, input.channelType) : undefined,
        input.currencyCode ? eq(t.currencyCode, input.currencyCode) : undefined,
        holdingKey('referenceNumber', input.referenceNumber || undefined),
        holdingKey('externalReferenceNumber', input.externalReferenceNumber || undefined),
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
        query: scope ? (q) => scopedPage(scope, q) : undefined,
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
