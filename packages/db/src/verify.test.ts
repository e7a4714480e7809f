import { randomBytes, randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../test/own-database';
import { openWallet as openWalletRow, writeTestPosting } from '../test/ledger-rows';
import { createDatabase } from './client';
import { transactions, transactionTypes, wallets } from './schema';
import { findFloatWallet } from './seed';
import { verifyLedger } from './verify';

// A database of this file's own: these tests break the ledger on purpose.
const own = createOwnDataDir('verify');
const database = createDatabase({ dataDir: own.dataDir });
const { db } = database;

beforeAll(async () => {
  await database.migrate();
});
afterAll(async () => {
  await database.close();
  own.remove();
});

const openWallet = () => openWalletRow(database);
const post = (debitedWalletId: string, creditedWalletId: string, amount: number, reversalOf?: string) =>
  writeTestPosting(database, { debitedWalletId, creditedWalletId, amount, reversalOf });

describe('verifyLedger', () => {
  it('finds nothing wrong when every balance is the sum of its postings', async () => {
    const float = await findFloatWallet(db, 'RWF');
    const a = await openWallet();
    const b = await openWallet();
    await post(float?.id ?? '', a.id, 500);
    await post(a.id, b.id, 200);
    expect(await verifyLedger(db)).toEqual([]);
  });

  it('names the wallet whose balance is not its credits minus debits, and the currency that no longer sums to 0', async () => {
    const a = await openWallet();
    await db.update(wallets).set({ currentBalance: 7 }).where(eq(wallets.id, a.id));
    const problems = await verifyLedger(db);
    expect(problems).toEqual([
      expect.objectContaining({ check: 'WALLET_BALANCE', walletId: a.id, accountNumber: a.accountNumber }),
      expect.objectContaining({ check: 'CURRENCY_TOTAL', currencyCode: 'RWF' }),
    ]);
    expect(problems[0]?.message).toContain('holds 7 but its transactions add up to 0');
    await db.update(wallets).set({ currentBalance: 0 }).where(eq(wallets.id, a.id));
    expect(await verifyLedger(db)).toEqual([]);
  });

  it('names a held balance that is not its pending holds, and a PENDING posting that is no hold, which moves nothing', async () => {
    const float = await findFloatWallet(db, 'RWF');
    const a = await openWallet();
    await post(float?.id ?? '', a.id, 100);
    await db.update(wallets).set({ heldBalance: 40 }).where(eq(wallets.id, a.id));
    const held = await verifyLedger(db);
    expect(held).toEqual([expect.objectContaining({ check: 'HELD_BALANCE', walletId: a.id })]);
    expect(held[0]?.message).toContain('holds 40 back but its pending holds add up to 0');
    await db.update(wallets).set({ heldBalance: 0 }).where(eq(wallets.id, a.id));

    const deposit = await post(float?.id ?? '', a.id, 50);
    await db.update(transactions).set({ status: 'PENDING' }).where(eq(transactions.id, deposit.id));
    const problems = await verifyLedger(db);
    expect(problems).toContainEqual(
      expect.objectContaining({ check: 'HOLD_STATUS', transactionId: deposit.id }),
    );
    // A PENDING row moved no money, so the wallet's 150 is no longer its postings' 100.
    expect(problems).toContainEqual(expect.objectContaining({ check: 'WALLET_BALANCE', walletId: a.id }));
    await db.update(transactions).set({ status: 'COMPLETED' }).where(eq(transactions.id, deposit.id));
    expect(await verifyLedger(db)).toEqual([]);
  });

  it('names a REVERSED transaction that has no reversal', async () => {
    const float = await findFloatWallet(db, 'RWF');
    const a = await openWallet();
    const deposit = await post(float?.id ?? '', a.id, 100);
    await db.update(transactions).set({ status: 'REVERSED' }).where(eq(transactions.id, deposit.id));
    expect(await verifyLedger(db)).toEqual([
      expect.objectContaining({ check: 'REVERSAL_MISSING', transactionId: deposit.id }),
    ]);
    await db.update(transactions).set({ status: 'COMPLETED' }).where(eq(transactions.id, deposit.id));
  });

  it('names a reversal whose original is not REVERSED, or that does not mirror it', async () => {
    const float = await findFloatWallet(db, 'RWF');
    const a = await openWallet();
    const deposit = await post(float?.id ?? '', a.id, 100);
    const reversal = await post(a.id, float?.id ?? '', 100, deposit.id);
    expect(await verifyLedger(db)).toEqual([
      expect.objectContaining({ check: 'REVERSAL_LINK', transactionId: reversal.id }),
    ]);
    await db.update(transactions).set({ status: 'REVERSED' }).where(eq(transactions.id, deposit.id));
    expect(await verifyLedger(db)).toEqual([]);

    const other = await post(float?.id ?? '', a.id, 300);
    const lopsided = await post(a.id, float?.id ?? '', 200, other.id);
    await db.update(transactions).set({ status: 'REVERSED' }).where(eq(transactions.id, other.id));
    expect(await verifyLedger(db)).toEqual([
      expect.objectContaining({ check: 'REVERSAL_LINK', transactionId: lopsided.id }),
    ]);
  });

  it('names a posting whose wallets or transaction type do not exist, which no balance check sees', async () => {
    // The test before leaves a lopsided reversal behind: what is found besides it is what these rows broke.
    const before = await verifyLedger(db);
    const [transactionType] = await db.select().from(transactionTypes).limit(1);
    const a = await openWallet();
    const b = await openWallet();
    // Written directly, as no posting path would: nothing checks what a posting names on insert.
    const orphan = (over: Partial<typeof transactions.$inferInsert>) => {
      const ref = randomBytes(8).toString('hex');
      return {
        referenceNumber: `TX${ref}`,
        externalReferenceNumber: ref,
        requestHash: ref,
        transactionTypeId: transactionType?.id ?? '',
        channelType: 'WEB' as const,
        debitedWalletId: randomUUID(),
        creditedWalletId: randomUUID(),
        amount: 100,
        currencyCode: 'RWF' as const,
        debitedWalletBalance: -100,
        creditedWalletBalance: 100,
        ...over,
      };
    };
    const [noWallets, noType] = await db
      .insert(transactions)
      .values([
        orphan({}),
        // CANCELLED moved no money: a and b's balances stay right, only the type is missing.
        orphan({
          debitedWalletId: a.id,
          creditedWalletId: b.id,
          transactionTypeId: randomUUID(),
          status: 'CANCELLED',
        }),
      ])
      .returning();
    if (!noWallets || !noType) throw new Error('no rows');
    const problems = await verifyLedger(db);
    expect(problems).toHaveLength(before.length + 2);
    expect(problems).toContainEqual({
      check: 'POSTING_REFERENCE',
      transactionId: noWallets.id,
      message: `Transaction ${noWallets.id} names debited wallet ${noWallets.debitedWalletId} and credited wallet ${noWallets.creditedWalletId}, which do not exist`,
    });
    expect(problems).toContainEqual({
      check: 'POSTING_REFERENCE',
      transactionId: noType.id,
      message: `Transaction ${noType.id} names transaction type ${noType.transactionTypeId}, which does not exist`,
    });
    await db.delete(transactions).where(inArray(transactions.id, [noWallets.id, noType.id]));
    expect(await verifyLedger(db)).toEqual(before);
  });
});
