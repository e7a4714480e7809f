import { randomInt } from 'node:crypto';
import { type Actor, CURRENCY_CODES, makeAccountNumber } from '@tekana/contracts';
import { and, eq } from 'drizzle-orm';
import type { Db } from './handle';
import { customers, transactionTypes, wallets, walletTypeRules, walletTypes } from './schema';

/** Owner of the FLOAT wallets through which money enters and leaves. It has no password: no one logs in as it. */
export const SYSTEM_ACCOUNT = {
  firstName: 'Tekana',
  lastName: 'System',
  email: 'system@tekana.invalid',
  phoneNumber: 'SYSTEM',
  idType: 'NID',
  idNumber: 'SYSTEM',
  gender: 'FEMALE',
  role: 'SYSTEM',
} as const;

// Limits are in minor units: RWF has no minor unit, USD has cents.
const DEFAULT_WALLET_TYPES = [
  {
    code: 'PERSONAL',
    name: 'Personal',
    description: 'A customer wallet',
    minimumTransactionAmount: 1,
    maximumTransactionAmount: 10_000_000,
    allowNegativeBalance: false,
  },
  {
    code: 'MERCHANT',
    name: 'Merchant',
    description: 'A business receiving payments',
    minimumTransactionAmount: 1,
    maximumTransactionAmount: 50_000_000,
    allowNegativeBalance: false,
  },
  {
    code: 'FLOAT',
    name: 'Float',
    description: 'System wallet through which money enters and leaves',
    minimumTransactionAmount: 1,
    maximumTransactionAmount: 1_000_000_000_000,
    allowNegativeBalance: true,
  },
];

const DEFAULT_TRANSACTION_TYPES = [
  {
    code: 'DEPOSIT',
    name: 'Deposit',
    description: 'Cash in: FLOAT to a customer wallet',
    minimumAmount: 1,
    maximumAmount: 10_000_000,
  },
  {
    code: 'WITHDRAWAL',
    name: 'Withdrawal',
    description: 'Cash out: a customer wallet to FLOAT',
    minimumAmount: 1,
    maximumAmount: 10_000_000,
  },
  {
    code: 'TRANSFER',
    name: 'Transfer',
    description: 'Person to person',
    minimumAmount: 1,
    maximumAmount: 5_000_000,
  },
  {
    code: 'PAYMENT',
    name: 'Payment',
    description: 'Person to merchant',
    minimumAmount: 1,
    maximumAmount: 10_000_000,
  },
];

/** transaction type → wallet types it may debit and credit. */
const DEFAULT_RULES: Record<string, { debit: string[]; credit: string[] }> = {
  DEPOSIT: { debit: ['FLOAT'], credit: ['PERSONAL', 'MERCHANT'] },
  WITHDRAWAL: { debit: ['PERSONAL', 'MERCHANT'], credit: ['FLOAT'] },
  TRANSFER: { debit: ['PERSONAL'], credit: ['PERSONAL'] },
  PAYMENT: { debit: ['PERSONAL'], credit: ['MERCHANT'] },
};

export function randomDigits(count: number): string {
  let digits = '';
  for (let i = 0; i < count; i++) digits += String(randomInt(10));
  return digits;
}

/** Idempotent: a fresh database gets the defaults, an existing one keeps what admins changed. */
export async function seedDefaults(db: Db): Promise<void> {
  const existing = await db.select({ id: walletTypes.id }).from(walletTypes).limit(1);
  if (existing.length > 0) return;
  await db.transaction(async (tx) => {
    const types = await tx.insert(walletTypes).values(DEFAULT_WALLET_TYPES).returning();
    const txTypes = await tx.insert(transactionTypes).values(DEFAULT_TRANSACTION_TYPES).returning();
    const walletTypeId = (code: string) => types.find((t) => t.code === code)?.id as string;
    const rules = txTypes.flatMap((tt) => {
      const rule = DEFAULT_RULES[tt.code] ?? { debit: [], credit: [] };
      const codes = new Set([...rule.debit, ...rule.credit]);
      return [...codes].map((code) => ({
        transactionTypeId: tt.id,
        walletTypeId: walletTypeId(code),
        debitAllowed: rule.debit.includes(code),
        creditAllowed: rule.credit.includes(code),
      }));
    });
    await tx.insert(walletTypeRules).values(rules);
    const [system] = await tx.insert(customers).values(SYSTEM_ACCOUNT).returning();
    if (!system) throw new Error('seed: the system account was not created');
    await tx.insert(wallets).values(
      CURRENCY_CODES.map((currencyCode) => ({
        customerId: system.id,
        walletTypeId: walletTypeId('FLOAT'),
        currencyCode,
        accountNumber: makeAccountNumber(randomDigits),
      })),
    );
  });
}

/** The FLOAT wallet of a currency: where deposits come from and withdrawals go. */
export async function findFloatWallet(db: Db, currencyCode: (typeof CURRENCY_CODES)[number]) {
  const [row] = await db
    .select({ wallet: wallets })
    .from(wallets)
    .innerJoin(walletTypes, eq(walletTypes.id, wallets.walletTypeId))
    .innerJoin(customers, eq(customers.id, wallets.customerId))
    .where(
      and(
        eq(walletTypes.code, 'FLOAT'),
        eq(wallets.currencyCode, currencyCode),
        eq(customers.role, 'SYSTEM'),
      ),
    )
    .limit(1);
  return row?.wallet;
}

/**
 * The system account as the actor of what no signed-in person does: `pnpm admin:create` is run by
 * whoever holds the database's credentials, and the audit log records it as the system's act.
 */
export async function systemActor(db: Db): Promise<Actor> {
  const [row] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(eq(customers.role, 'SYSTEM'))
    .limit(1);
  if (!row) throw new Error('The system account is missing: the database was not migrated and seeded');
  return { id: row.id, role: 'SYSTEM' };
}
