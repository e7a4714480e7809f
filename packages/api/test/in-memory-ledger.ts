import type { Role } from '@tekana/contracts';
import type { LockedWallet, TransactionTypeWithRules, WalletTypeRow } from '@tekana/db';

// Rows in memory, shaped as the database returns them, for the pure checks the posting path runs.

/** The id of wallet `n` (0 to 9). */
export const walletId = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

export function walletTypeRow(code: string, allowNegativeBalance: boolean): WalletTypeRow {
  return {
    id: `type-${code}`,
    code,
    name: code,
    description: null,
    minimumTransactionAmount: 1,
    maximumTransactionAmount: 1_000_000,
    allowNegativeBalance,
    createdAt: new Date(0),
  };
}

/** An active transaction type 'T' from 1 to `maximumAmount`, each of `walletTypes` allowed both ways. */
export function transferType(walletTypes: WalletTypeRow[], maximumAmount: number): TransactionTypeWithRules {
  return {
    transactionType: {
      id: 'type-t',
      code: 'T',
      name: 'T',
      description: null,
      minimumAmount: 1,
      maximumAmount,
      status: 'ACTIVE',
      createdAt: new Date(0),
    },
    rules: walletTypes.map((t) => ({
      transactionTypeId: 'type-t',
      walletTypeId: t.id,
      debitAllowed: true,
      creditAllowed: true,
    })),
  };
}

/** Wallet `n` of `owner-n`, active, in RWF, with nothing held. */
export function lockedWallet(
  n: number,
  currentBalance: number,
  type: WalletTypeRow,
  role: Role = 'CUSTOMER',
): LockedWallet {
  return {
    id: walletId(n),
    customerId: `owner-${n}`,
    walletTypeId: type.id,
    currencyCode: 'RWF',
    accountNumber: `10000000000${n}`,
    currentBalance,
    heldBalance: 0,
    status: 'ACTIVE',
    createdAt: new Date(0),
    type,
    owner: { role, phoneNumber: `+25078000000${n}` },
  };
}
