import { randomBytes, randomUUID } from 'node:crypto';
import { makeAccountNumber } from '@tekana/contracts';
import { eq } from 'drizzle-orm';
import type { Database } from '../src/client';
import { lockWalletsInIdOrder, writePosting } from '../src/ledger';
import { customers, transactionTypes, wallets, walletTypes } from '../src/schema';
import { randomDigits } from '../src/seed';

/** A customer of its own and their PERSONAL RWF wallet, written straight to the tables. */
export async function openWallet({ db }: Database) {
  const tag = randomBytes(4).toString('hex');
  const [owner] = await db
    .insert(customers)
    .values({
      firstName: 'T',
      lastName: tag,
      email: `${tag}@ledger-rows.test`,
      phoneNumber: `+1555${tag}`,
      idType: 'NID',
      idNumber: tag,
      gender: 'FEMALE',
    })
    .returning();
  const [personal] = await db.select().from(walletTypes).where(eq(walletTypes.code, 'PERSONAL'));
  const [wallet] = await db
    .insert(wallets)
    .values({
      customerId: owner?.id ?? '',
      walletTypeId: personal?.id ?? '',
      currencyCode: 'RWF',
      accountNumber: makeAccountNumber(randomDigits),
    })
    .returning();
  if (!wallet) throw new Error('no wallet');
  return wallet;
}

/**
 * A posting as the ledger writes it (row and balances together, under both wallets' locks), with no
 * business rule checked: for tests of the database itself. Its type is the first one seeded unless named.
 */
export async function writeTestPosting(
  database: Database,
  posting: {
    debitedWalletId: string;
    creditedWalletId: string;
    amount: number;
    transactionTypeId?: string;
    reversalOf?: string;
  },
) {
  const { debitedWalletId, creditedWalletId, amount, reversalOf = null } = posting;
  const [firstType] = await database.db.select().from(transactionTypes).limit(1);
  const transactionTypeId = posting.transactionTypeId ?? firstType?.id;
  if (!transactionTypeId) throw new Error('not seeded');
  const ref = randomBytes(8).toString('hex');
  return database.transact(async (run) => {
    const locked = await lockWalletsInIdOrder(run, [debitedWalletId, creditedWalletId]);
    const balanceOf = (id: string) => locked.get(id)?.currentBalance ?? 0;
    return writePosting(
      run,
      {
        id: randomUUID(),
        status: 'COMPLETED',
        referenceNumber: `TX${ref}`,
        externalReferenceNumber: reversalOf ? `reversal:${reversalOf}` : ref,
        requestHash: ref,
        transactionTypeId,
        channelType: 'WEB',
        debitedWalletId,
        creditedWalletId,
        amount,
        currencyCode: 'RWF',
        statusMessage: null,
        reversalOf,
      },
      new Date(),
      { debited: balanceOf(debitedWalletId), credited: balanceOf(creditedWalletId) },
    );
  });
}
