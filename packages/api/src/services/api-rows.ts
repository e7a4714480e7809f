import {
  type Actor,
  auditEntrySchema,
  customerSchema,
  limitSchema,
  ruleSchema,
  type Transaction,
  transactionTypeSchema,
  type Wallet,
  walletSchema,
  walletTypeSchema,
} from '@tekana/contracts';
import type { LockedWallet, NewPosting, TransactionRow } from '@tekana/db';
import type { z } from 'zod';

/** A database row that holds every field of an API shape, its times as Dates rather than ISO strings. */
type RowOf<Shown> = { [K in keyof Shown]: Shown[K] extends string ? Shown[K] | Date : Shown[K] };

/**
 * Rows as the API shows them, by the contract's own schema: its fields only (zod drops the rest, such as
 * a customer's password hash or a posting's request hash), dates as ISO strings. The same check the
 * procedures' output makes, so a row that passes here passes there.
 */
function shownAs<S extends z.ZodObject>(schema: S): (row: RowOf<z.output<S>>) => z.output<S> {
  return (row) => {
    const withIsoTimes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) {
      withIsoTimes[key] = value instanceof Date ? value.toISOString() : value;
    }
    return schema.parse(withIsoTimes);
  };
}

export const toCustomer = shownAs(customerSchema);
export const toWalletType = shownAs(walletTypeSchema);
const walletShown = shownAs(walletSchema);
/** A wallet with what it may spend: its balance less what its pending holds reserve (README, "Holds"). */
export function toWallet(row: RowOf<Omit<Wallet, 'availableBalance'>> & { heldBalance: number }): Wallet {
  return walletShown({ ...row, availableBalance: row.currentBalance - row.heldBalance });
}
export const toTransactionType = shownAs(transactionTypeSchema);
export const toRule = shownAs(ruleSchema);
export const toAuditEntry = shownAs(auditEntrySchema);
export const toLimit = shownAs(limitSchema);

/** The customers who own a posting's two wallets; null when unknown, which hides that side. */
export type PostingOwners = { debitedCustomerId: string | null; creditedCustomerId: string | null };

/** A posting's owners, from its wallets as locked (a wallet not among them hides its side). */
export function ownersIn(
  wallets: ReadonlyMap<string, Pick<LockedWallet, 'customerId'>>,
  posting: { debitedWalletId: string; creditedWalletId: string },
): PostingOwners {
  return {
    debitedCustomerId: wallets.get(posting.debitedWalletId)?.customerId ?? null,
    creditedCustomerId: wallets.get(posting.creditedWalletId)?.customerId ?? null,
  };
}

// Postings keep hand mappers: they run once or twice per posting on the posting path, where a zod parse
// costs far more than a copy (1e5 calls, node 20: toPostingFields 13 ns by hand, 840 ns as a parse;
// transactionFor 1.0 µs by hand, 2.6 µs as one parse). No spreads: spreading these 15 fields cost 3.5 µs.

/**
 * A posting as `viewer` may see it, the only way a posting leaves the services: an admin sees both
 * balances; a customer sees a side's balance only when that wallet is theirs (never the payee's, nor the
 * float's after a deposit), and null for the other side.
 */
export function transactionFor(viewer: Actor, row: TransactionRow, owners: PostingOwners): Transaction {
  const sees = (ownerId: string | null) => viewer.role === 'ADMIN' || ownerId === viewer.id;
  const shown = toTransaction(row);
  if (!sees(owners.debitedCustomerId)) shown.debitedWalletBalance = null;
  if (!sees(owners.creditedCustomerId)) shown.creditedWalletBalance = null;
  return shown;
}

/** A posting with both balances, as an admin and the audit log see it. */
export function toTransaction(row: TransactionRow): Transaction {
  return Object.assign(toPostingFields(row), { createdAt: row.createdAt.toISOString() });
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
