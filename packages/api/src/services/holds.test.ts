import { HOLD_EXPIRED_MESSAGE, type TransactionCreateInput } from '@tekana/contracts';
import { auditLog, createDatabase, type Database, verifyLedger } from '@tekana/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase, type OwnDatabase } from '../../../../test/own-database';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

// A database of this file's own: its tests read the notices a posting leaves in the outbox, which the relay
// of another file's server, on a shared database, would take away (and delete) first.
let own: OwnDatabase;
let database: Database;
let bed: Testbed;

beforeAll(async () => {
  own = await createOwnDatabase({ label: 'holds' });
  database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database?.close();
  await own?.drop();
});

const holdOf = (input: TransactionCreateInput, expiresInSeconds?: number): TransactionCreateInput => ({
  ...input,
  hold: true,
  ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
});

/** A customer holding `balance`, a payee, and a hold of `amount` from the first to the second. */
async function heldPayment(balance: number, amount: number, expiresInSeconds?: number) {
  const alice = await bed.fundedCustomer(balance);
  const bob = await bed.fundedCustomer(0);
  const input = holdOf(
    posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
    expiresInSeconds,
  );
  const hold = await bed.services.ledger.post(alice.customer, input);
  return { alice, bob, input, hold };
}

const walletOf = (id: string) => bed.services.wallets.get(bed.admin, id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('placing a hold', () => {
  it('reserves the amount: the available balance drops, the current one does not, and nothing reaches the payee', async () => {
    const { alice, bob, hold } = await heldPayment(1_000, 300);
    expect(hold).toMatchObject({ status: 'PENDING', amount: 300, debitedWalletBalance: 1_000 });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 700 });
    expect(await walletOf(bob.wallet.id)).toMatchObject({ currentBalance: 0, availableBalance: 0 });
    // No money moved, so nobody is told yet.
    expect(await bed.noticesOf(hold.id)).toEqual([]);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('refuses a posting or a second hold that would spend what is held (INSUFFICIENT_FUNDS)', async () => {
    const { alice, bob } = await heldPayment(1_000, 800);
    const transfer = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 201, bed.ref());
    expect(await outcomeOf(bed.services.ledger.post(alice.customer, transfer))).toBe('INSUFFICIENT_FUNDS');
    expect(
      await outcomeOf(
        bed.services.ledger.post(alice.customer, holdOf({ ...transfer, externalReferenceNumber: bed.ref() })),
      ),
    ).toBe('INSUFFICIENT_FUNDS');
    const fits = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 200, bed.ref());
    expect(await bed.services.ledger.post(alice.customer, fits)).toMatchObject({ status: 'COMPLETED' });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 800, availableBalance: 0 });
  });

  it('runs every check of a posting when the hold is placed', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const float = await bed.float();
    const againstFloat = holdOf(posting('TRANSFER', alice.wallet.id, float.id, 10, bed.ref()));
    expect(await outcomeOf(bed.services.ledger.post(alice.customer, againstFloat))).toBe('FORBIDDEN');
    const bob = await bed.fundedCustomer(0);
    const overLimit = holdOf(posting('TRANSFER', alice.wallet.id, bob.wallet.id, 5_000_001, bed.ref()));
    expect(await outcomeOf(bed.services.ledger.post(alice.customer, overLimit))).toBe('AMOUNT_OUT_OF_RANGE');
  });

  it('is idempotent on its key: "hold": false is no hold, and the default expiry sent or left out is the same request', async () => {
    const { alice, input, hold } = await heldPayment(1_000, 100);
    expect(await bed.services.ledger.post(alice.customer, input)).toEqual(hold);
    expect(await bed.services.ledger.post(alice.customer, { ...input, expiresInSeconds: 900 })).toEqual(hold);
    expect(
      await outcomeOf(bed.services.ledger.post(alice.customer, { ...input, expiresInSeconds: 60 })),
    ).toBe('IDEMPOTENCY_CONFLICT');
    expect(await walletOf(alice.wallet.id)).toMatchObject({ availableBalance: 900 });
    const plain = posting('TRANSFER', input.debitedWalletId, input.creditedWalletId, 5, bed.ref());
    const first = await bed.services.ledger.post(alice.customer, plain);
    expect(await bed.services.ledger.post(alice.customer, { ...plain, hold: false })).toEqual(first);
  });
});

describe('capturing a hold', () => {
  it('moves all of it, completes the posting with the balances after, and sends the notices', async () => {
    const { alice, bob, hold } = await heldPayment(1_000, 300);
    const captured = await bed.services.holds.capture(alice.customer, { id: hold.id });
    expect(captured).toMatchObject({
      id: hold.id,
      status: 'COMPLETED',
      amount: 300,
      debitedWalletBalance: 700,
      creditedWalletBalance: null,
    });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 700, availableBalance: 700 });
    expect(await walletOf(bob.wallet.id)).toMatchObject({ currentBalance: 300, availableBalance: 300 });
    expect((await bed.noticesOf(hold.id)).map((n) => n.kind)).toEqual(['DEBIT_NOTICE', 'CREDIT_NOTICE']);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('takes part of it and releases the rest', async () => {
    const { alice, bob, hold } = await heldPayment(1_000, 300);
    const captured = await bed.services.holds.capture(alice.customer, { id: hold.id, amount: 120 });
    expect(captured).toMatchObject({ status: 'COMPLETED', amount: 120, debitedWalletBalance: 880 });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 880, availableBalance: 880 });
    expect(await walletOf(bob.wallet.id)).toMatchObject({ currentBalance: 120 });
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('refuses more than was held (AMOUNT_OUT_OF_RANGE) and leaves the hold pending', async () => {
    const { alice, hold } = await heldPayment(1_000, 300);
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: hold.id, amount: 301 }))).toBe(
      'AMOUNT_OUT_OF_RANGE',
    );
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 700 });
  });

  it('answers a second capture with the same posting, once, and refuses another amount or a void after it', async () => {
    const { alice, hold } = await heldPayment(1_000, 300);
    const first = await bed.services.holds.capture(alice.customer, { id: hold.id, amount: 250 });
    const again = await Promise.all([
      bed.services.holds.capture(alice.customer, { id: hold.id, amount: 250 }),
      bed.services.holds.capture(alice.customer, { id: hold.id }),
    ]);
    expect(again).toEqual([first, first]);
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: hold.id, amount: 10 }))).toBe(
      'HOLD_CAPTURED',
    );
    expect(await outcomeOf(bed.services.holds.void(alice.customer, { id: hold.id }))).toBe('HOLD_CAPTURED');
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 750, availableBalance: 750 });
  });

  it('refuses while the credited wallet is not ACTIVE (WALLET_INACTIVE); the hold may still be voided', async () => {
    const { alice, bob, hold } = await heldPayment(1_000, 300);
    await bed.services.wallets.setStatus(bed.admin, { id: bob.wallet.id, status: 'INACTIVE' });
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: hold.id }))).toBe(
      'WALLET_INACTIVE',
    );
    expect(await bed.services.holds.void(alice.customer, { id: hold.id })).toMatchObject({
      status: 'CANCELLED',
    });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 1_000 });
  });

  it('can be reversed like any posting once captured, but a pending hold cannot', async () => {
    const { alice, bob, hold } = await heldPayment(1_000, 300);
    expect(await outcomeOf(bed.services.ledger.reverse(bed.admin, { id: hold.id }))).toBe('NOT_REVERSIBLE');
    await bed.services.holds.capture(alice.customer, { id: hold.id, amount: 100 });
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: hold.id });
    expect(reversal).toMatchObject({ amount: 100, reversalOf: hold.id });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 1_000 });
    expect(await walletOf(bob.wallet.id)).toMatchObject({ currentBalance: 0 });
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});

describe('voiding a hold', () => {
  it('cancels the posting and releases the funds, once; a second void answers the same', async () => {
    const { alice, bob, hold } = await heldPayment(1_000, 300);
    const voided = await bed.services.holds.void(alice.customer, {
      id: hold.id,
      statusMessage: 'order cancelled',
    });
    expect(voided).toMatchObject({
      id: hold.id,
      status: 'CANCELLED',
      statusMessage: 'order cancelled',
      amount: 300,
    });
    expect(await bed.services.holds.void(alice.customer, { id: hold.id })).toEqual(voided);
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: hold.id }))).toBe('HOLD_VOIDED');
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 1_000 });
    expect(await walletOf(bob.wallet.id)).toMatchObject({ currentBalance: 0 });
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});

describe('who may capture or void', () => {
  it('the customer who placed the hold, or an admin; the payee is refused (403), anyone else finds nothing (404)', async () => {
    const { bob, hold } = await heldPayment(1_000, 300);
    const stranger = await bed.fundedCustomer(0);
    expect(await outcomeOf(bed.services.holds.capture(stranger.customer, { id: hold.id }))).toBe('NOT_FOUND');
    expect(await outcomeOf(bed.services.holds.void(stranger.customer, { id: hold.id }))).toBe('NOT_FOUND');
    expect(await outcomeOf(bed.services.holds.capture(bob.customer, { id: hold.id }))).toBe('FORBIDDEN');
    expect(await outcomeOf(bed.services.holds.void(bob.customer, { id: hold.id }))).toBe('FORBIDDEN');
    const captured = await bed.services.holds.capture(bed.admin, { id: hold.id });
    expect(captured).toMatchObject({
      status: 'COMPLETED',
      debitedWalletBalance: 700,
      creditedWalletBalance: 300,
    });
    const [audit] = await database.db.select().from(auditLog).where(eq(auditLog.entityId, hold.id));
    expect(audit).toMatchObject({
      action: 'transaction.capture',
      before: { status: 'PENDING', amount: 300 },
      after: { status: 'COMPLETED', amount: 300 },
    });
  });

  it('refuses a posting that is no hold (NOT_A_HOLD), and an unknown id (NOT_FOUND)', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const plain = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, bed.ref()),
    );
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: plain.id }))).toBe('NOT_A_HOLD');
    expect(await outcomeOf(bed.services.holds.void(bed.admin, { id: plain.id }))).toBe('NOT_A_HOLD');
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await outcomeOf(bed.services.holds.capture(bed.admin, { id: unknown }))).toBe('NOT_FOUND');
  });
});

describe('a hold not captured in time', () => {
  it('is refused for capture as soon as it expires, and voided by the sweep with "Hold expired"', async () => {
    const { alice, hold } = await heldPayment(1_000, 300, 1);
    await sleep(1_100);
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: hold.id }))).toBe('HOLD_EXPIRED');
    // The refusal moved nothing, and the 300 stay reserved until the sweep (no other file's sweeper
    // serves this file's database).
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 700 });
    // Other tests' holds may be due too: sweep until this one is gone.
    while ((await bed.services.holds.expireDue(100)) === 100) {}
    const [swept] = (await bed.services.transactions.list(bed.admin, { id: hold.id })).items;
    expect(swept).toMatchObject({ status: 'CANCELLED', statusMessage: HOLD_EXPIRED_MESSAGE });
    expect(await walletOf(alice.wallet.id)).toMatchObject({ currentBalance: 1_000, availableBalance: 1_000 });
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: hold.id }))).toBe('HOLD_EXPIRED');
    // The caller wanted it released: it is.
    expect(await bed.services.holds.void(alice.customer, { id: hold.id })).toMatchObject({
      status: 'CANCELLED',
    });
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('is left alone by the sweep before its time', async () => {
    const { alice, hold } = await heldPayment(1_000, 300, 60);
    await bed.services.holds.expireDue(100);
    expect(await bed.services.holds.capture(alice.customer, { id: hold.id })).toMatchObject({
      status: 'COMPLETED',
    });
  });
});
