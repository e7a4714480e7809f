import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openWallet as openWalletRow, writeTestPosting } from '../test/ledger-rows';
import { useMigratedDatabase } from '../test/migrated-database';
import { causeChain } from './postgres-errors';
import { transactionTypes, wallets } from './schema';

/** The SQLSTATE an error (or one it wraps: drizzle wraps the driver's) carries. */
const sqlstateOf = (error: unknown) => [...causeChain(error)].find((e) => typeof e.code === 'string')?.code;

/** What a call was refused with: its SQLSTATE and message; a call that succeeds fails the test. */
async function refusalOf(call: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`expected a refusal, got ${String(error)}`);
  const messages = [...causeChain(error)].map((e) => e.message).join('\n');
  return { code: sqlstateOf(error), message: messages };
}

// Postings name their wallets and transaction type without foreign keys (migration 0009): what a user or
// an operator sees must be what the foreign keys gave on the delete side, in both runtime modes.
describe.each(['postgres', 'embedded'] as const)('what postings name, without foreign keys (%s)', (kind) => {
  const database = useMigratedDatabase(kind, { label: 'references' });

  const openWallet = () => openWalletRow(database());

  /** A transaction type of the test's own, which no rule or limit names. */
  async function ownTransactionType() {
    const code = `T_${randomBytes(5).toString('hex').toUpperCase()}`;
    const [type] = await database()
      .db.insert(transactionTypes)
      .values({ code, name: code, minimumAmount: 1, maximumAmount: 1_000_000 })
      .returning();
    if (!type) throw new Error('no transaction type');
    return type;
  }

  const post = (debitedWalletId: string, creditedWalletId: string, transactionTypeId: string) =>
    writeTestPosting(database(), { debitedWalletId, creditedWalletId, transactionTypeId, amount: 100 });

  const walletExists = async (id: string) =>
    (await database().db.select({ id: wallets.id }).from(wallets).where(eq(wallets.id, id))).length === 1;
  const typeExists = async (id: string) =>
    (
      await database()
        .db.select({ id: transactionTypes.id })
        .from(transactionTypes)
        .where(eq(transactionTypes.id, id))
    ).length === 1;

  it('refuses to delete a wallet a posting names, debited or credited, with a foreign-key violation, and keeps it', async () => {
    const type = await ownTransactionType();
    const payer = await openWallet();
    const payee = await openWallet();
    await post(payer.id, payee.id, type.id);
    for (const wallet of [payer, payee]) {
      const refusal = await refusalOf(database().db.delete(wallets).where(eq(wallets.id, wallet.id)));
      expect(refusal.code).toBe('23503');
      expect(refusal.message).toContain(`wallet ${wallet.id} cannot be deleted: postings name it`);
      expect(await walletExists(wallet.id)).toBe(true);
    }
  });

  it('refuses to delete a transaction type a posting names, with a foreign-key violation, and keeps it', async () => {
    const type = await ownTransactionType();
    await post((await openWallet()).id, (await openWallet()).id, type.id);
    const refusal = await refusalOf(
      database().db.delete(transactionTypes).where(eq(transactionTypes.id, type.id)),
    );
    expect(refusal.code).toBe('23503');
    expect(refusal.message).toContain(`transaction type ${type.id} cannot be deleted: postings name it`);
    expect(await typeExists(type.id)).toBe(true);
  });

  it('deletes a wallet and a transaction type that no posting names, as before', async () => {
    const type = await ownTransactionType();
    const wallet = await openWallet();
    // Postings between other wallets, of another type, do not hold these back.
    await post((await openWallet()).id, (await openWallet()).id, (await ownTransactionType()).id);
    await database().db.delete(wallets).where(eq(wallets.id, wallet.id));
    await database().db.delete(transactionTypes).where(eq(transactionTypes.id, type.id));
    expect(await walletExists(wallet.id)).toBe(false);
    expect(await typeExists(type.id)).toBe(false);
  });

  it('leaves transactions, and every month of it, without a foreign key, and the other tables theirs', async () => {
    const foreignKeys = async (where: string) => {
      const [row] = await database().transact((run) =>
        run(`select count(*)::int as n from pg_constraint c where c.contype = 'f' and ${where}`),
      );
      return Number(row?.n);
    };
    const months = `select inhrelid from pg_inherits where inhparent = 'transactions'::regclass`;
    expect(await foreignKeys(`(c.conrelid = 'transactions'::regclass or c.conrelid in (${months}))`)).toBe(0);
    // holds → wallets (debited and credited), and wallets → customers and wallet_types, stay.
    expect(await foreignKeys(`c.confrelid = 'wallets'::regclass`)).toBe(2);
    expect(await foreignKeys(`c.conrelid = 'wallets'::regclass`)).toBe(2);
  });
});
