import {
  type Actor,
  DomainError,
  type Page,
  type WalletType,
  type WalletTypeCreateInput,
  type WalletTypeListInput,
} from '@tekana/contracts';
import { type Database, listPage, recordAudit, uniqueViolation, walletTypes } from '@tekana/db';
import { eq } from 'drizzle-orm';
import { toWalletType } from './api-rows';
import { auditEntry } from './audit';

export type WalletTypeService = ReturnType<typeof createWalletTypeService>;

/** Kinds of wallet (PERSONAL, MERCHANT, FLOAT, ...) with their per-transaction limits. Admins create them. */
export function createWalletTypeService({ database }: { database: Database }) {
  return {
    async create(actor: Actor, input: WalletTypeCreateInput): Promise<WalletType> {
      try {
        return await database.db.transaction(async (tx) => {
          const [row] = await tx.insert(walletTypes).values(input).returning();
          if (!row) throw new Error('insert returned no row');
          const created = toWalletType(row);
          await recordAudit(tx, [auditEntry(actor, 'walletType.create', created.id, null, created)]);
          return created;
        });
      } catch (error) {
        if (uniqueViolation(error) === undefined) throw error;
        throw new DomainError('CONFLICT', `A wallet type with code ${input.code} already exists`);
      }
    },

    async list(input: WalletTypeListInput): Promise<Page<WalletType>> {
      const filters = [
        input.code ? eq(walletTypes.code, input.code) : undefined,
        input.name ? eq(walletTypes.name, input.name) : undefined,
        input.allowNegativeBalance === undefined
          ? undefined
          : eq(walletTypes.allowNegativeBalance, input.allowNegativeBalance),
      ];
      const from = database.reader.select().from(walletTypes);
      return listPage(input, { from, keyset: walletTypes, filters, toItem: toWalletType });
    },
  };
}
