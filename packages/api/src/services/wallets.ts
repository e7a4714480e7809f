import {
  type Actor,
  DomainError,
  makeAccountNumber,
  type Page,
  type Wallet,
  type WalletCreateInput,
  type WalletListInput,
  type WalletLookup,
  type WalletLookupInput,
  type WalletStatusInput,
} from '@tekana/contracts';
import {
  customers,
  type Database,
  listPage,
  randomDigits,
  recordAudit,
  wallets,
  walletTypes,
} from '@tekana/db';
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import { enforceLimit, type Limits } from '../ports/rate-limiter';
import { toWallet } from './api-rows';
import { auditEntry } from './audit';
import { retryOnCollision } from './generated-numbers';

export type WalletService = ReturnType<typeof createWalletService>;
export type WalletDeps = {
  database: Database;
  limits: Pick<Limits, 'walletLookupPerCaller'>;
  /** Digits for account numbers; a CSPRNG in production, scripted in tests to force a clash. */
  randomDigits?: (count: number) => string;
};

const ACCOUNT_NUMBER_KEY = 'wallets_account_number_unique';

export function createWalletService({ database, limits, randomDigits: digits = randomDigits }: WalletDeps) {
  const { db, reader } = database;
  // A customer sees only their own wallets, and another's is "not found" rather than "forbidden".
  const visibleTo = (actor: Actor) => (actor.role === 'ADMIN' ? undefined : eq(wallets.customerId, actor.id));

  async function walletTypeOf(input: WalletCreateInput) {
    const where = input.walletTypeId
      ? eq(walletTypes.id, input.walletTypeId)
      : eq(walletTypes.code, input.walletTypeCode ?? '');
    const [type] = await db.select().from(walletTypes).where(where).limit(1);
    if (!type) throw new DomainError('NOT_FOUND', 'No such wallet type');
    return type;
  }

  return {
    /**
     * A customer opens a wallet for themselves; an admin for anyone (customerId), or for themselves. An
     * admin's is audited (wallet.create): a wallet that may go negative creates money.
     */
    async create(actor: Actor, input: WalletCreateInput): Promise<Wallet> {
      const customerId = input.customerId ?? actor.id;
      if (actor.role !== 'ADMIN' && customerId !== actor.id) {
        throw new DomainError('FORBIDDEN', 'A customer may open wallets only for themselves');
      }
      const [owner] = await db
        .select({ role: customers.role })
        .from(customers)
        .where(eq(customers.id, customerId));
      if (!owner) throw new DomainError('NOT_FOUND', 'No such customer');
      if (owner.role === 'SYSTEM')
        throw new DomainError('FORBIDDEN', 'The system account holds only the seeded FLOAT wallets');
      const type = await walletTypeOf(input);
      // A wallet that may go negative creates money when debited: only an admin may hand one out.
      if (type.allowNegativeBalance && actor.role !== 'ADMIN') {
        throw new DomainError('FORBIDDEN', `Only an admin may open a ${type.code} wallet`);
      }
      const opened = { customerId, walletTypeId: type.id, currencyCode: input.currencyCode };
      // A clash of account numbers aborts the database transaction: each try is one of its own.
      return retryOnCollision(ACCOUNT_NUMBER_KEY, 5, () =>
        db.transaction(async (tx) => {
          const values = { ...opened, accountNumber: makeAccountNumber(digits) };
          const [row] = await tx.insert(wallets).values(values).returning();
          if (!row) throw new Error('insert returned no row');
          const created = toWallet(row);
          if (actor.role === 'ADMIN') {
            await recordAudit(tx, [auditEntry(actor, 'wallet.create', created.id, null, created)]);
          }
          return created;
        }),
      );
    },

    async list(actor: Actor, input: WalletListInput): Promise<Page<Wallet>> {
      // The code read as its id first, so that the planner weighs that very type: FLOAT is two wallets
      // among a million (its index), PERSONAL nearly all of them (the list's order), which a subquery hides.
      const typeIds = input.walletTypeCode
        ? (
            await reader
              .select({ id: walletTypes.id })
              .from(walletTypes)
              .where(eq(walletTypes.code, input.walletTypeCode))
          ).map((t) => t.id)
        : undefined;
      if (typeIds?.length === 0) return { items: [], nextCursor: null };
      const filters = [
        visibleTo(actor),
        input.id ? eq(wallets.id, input.id) : undefined,
        input.customerId ? eq(wallets.customerId, input.customerId) : undefined,
        input.walletTypeId ? eq(wallets.walletTypeId, input.walletTypeId) : undefined,
        typeIds ? inArray(wallets.walletTypeId, typeIds) : undefined,
        input.currencyCode ? eq(wallets.currencyCode, input.currencyCode) : undefined,
        input.accountNumber ? eq(wallets.accountNumber, input.accountNumber) : undefined,
        input.status ? eq(wallets.status, input.status) : undefined,
      ];
      const from = reader.select().from(wallets);
      return listPage(input, { from, keyset: wallets, filters, toItem: toWallet });
    },

    /**
     * Whom a payment would reach, before paying: by account number, or by phone number (that customer's
     * oldest active PERSONAL wallet in the currency). Only active wallets of customers are found, and
     * only a masked name is shown; limited per caller, so it cannot be walked as a directory.
     */
    async lookup(actor: Actor, input: WalletLookupInput): Promise<WalletLookup> {
      await enforceLimit(limits.walletLookupPerCaller, actor.id);
      const where = input.accountNumber
        ? eq(wallets.accountNumber, input.accountNumber)
        : and(
            eq(customers.phoneNumber, input.phoneNumber ?? ''),
            eq(wallets.currencyCode, input.currencyCode ?? 'RWF'),
            eq(walletTypes.code, 'PERSONAL'),
          );
      const [found] = await reader
        .select({
          walletId: wallets.id,
          accountNumber: wallets.accountNumber,
          currencyCode: wallets.currencyCode,
          walletTypeCode: walletTypes.code,
          firstName: customers.firstName,
          lastName: customers.lastName,
        })
        .from(wallets)
        .innerJoin(customers, eq(customers.id, wallets.customerId))
        .innerJoin(walletTypes, eq(walletTypes.id, wallets.walletTypeId))
        .where(and(where, eq(wallets.status, 'ACTIVE'), ne(customers.role, 'SYSTEM')))
        .orderBy(asc(wallets.createdAt), asc(wallets.id))
        .limit(1);
      if (!found) throw new DomainError('NOT_FOUND', 'No wallet to pay found');
      const { firstName, lastName, ...wallet } = found;
      return { ...wallet, holderName: `${firstName} ${lastName.slice(0, 1).toUpperCase()}.` };
    },

    async get(actor: Actor, id: string): Promise<Wallet> {
      const [row] = await reader
        .select()
        .from(wallets)
        .where(and(eq(wallets.id, id), visibleTo(actor)))
        .limit(1);
      if (!row) throw new DomainError('NOT_FOUND', 'No such wallet');
      return toWallet(row);
    },

    /** Admin only: an INACTIVE or DORMANT wallet refuses postings (WALLET_INACTIVE) until made ACTIVE again. */
    async setStatus(actor: Actor, input: WalletStatusInput): Promise<Wallet> {
      return db.transaction(async (tx) => {
        const byId = eq(wallets.id, input.id);
        // Locked, so that the audit's "before" is what this change replaced (a posting may move the
        // balance); with the lock the update takes anyway, not one that would stall foreign-key checks.
        const [old] = await tx.select().from(wallets).where(byId).for('no key update');
        if (!old) throw new DomainError('NOT_FOUND', 'No such wallet');
        const [row] = await tx.update(wallets).set({ status: input.status }).where(byId).returning();
        if (!row) throw new Error('update returned no row');
        const [before, after] = [toWallet(old), toWallet(row)];
        await recordAudit(tx, [auditEntry(actor, 'wallet.setStatus', row.id, before, after)]);
        return after;
      });
    },
  };
}
