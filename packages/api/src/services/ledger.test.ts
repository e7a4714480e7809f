import { randomBytes } from 'node:crypto';
import { POSTING_REFUSALS, type PostingRefusal } from '@tekana/contracts';
import { createDatabase, type Database, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase, type OwnDatabase } from '../../../../test/own-database';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

// A database of this file's own: its tests read the notices a posting leaves in the outbox, which the relay
// of another file's server, on a shared database, would take away (and delete) first.
let own: OwnDatabase;
let database: Database;
let bed: Testbed;
const refusalsSeen = new Set<string>();

beforeAll(async () => {
  own = await createOwnDatabase({ label: 'ledger' });
  database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database?.close();
  await own?.drop();
});

/** Expects the call refused with `code`, and remembers it so the last test can check every code was produced. */
async function expectRefused(call: Promise<unknown>, code: string) {
  const outcome = await outcomeOf(call);
  expect(outcome).toBe(code);
  refusalsSeen.add(outcome);
}

async function postedUnder(externalReferenceNumber: string) {
  return (await bed.services.transactions.list(bed.admin, { externalReferenceNumber })).items;
}

/** A transaction type of this test's own, so that switching it off never disturbs another test. */
async function ownTransferType(limits = { minimumAmount: 1, maximumAmount: 1_000_000 }) {
  const code = `T_${randomBytes(5).toString('hex').toUpperCase()}`;
  const type = await bed.services.transactionTypes.create(bed.admin, {
    code,
    name: code,
    ...limits,
    status: 'ACTIVE',
  });
  const personal = (await bed.services.walletTypes.list({ code: 'PERSONAL' })).items[0];
  if (!personal) throw new Error('no PERSONAL wallet type');
  await bed.services.rules.set(bed.admin, {
    transactionTypeId: type.id,
    walletTypeId: personal.id,
    debitAllowed: true,
    creditAllowed: true,
  });
  return type;
}

describe('posting a transaction', () => {
  it('gives each posting a time-ordered id (a version 7 UUID): a later posting sorts after an earlier one', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const first = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 1, bed.ref()),
    );
    await new Promise((r) => setTimeout(r, 2));
    const second = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 1, bed.ref()),
    );
    for (const { id } of [first, second]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
    expect(second.id > first.id).toBe(true);
    // Its first 48 bits are the time it was made, to the millisecond.
    const madeAt = Number.parseInt(second.id.replace('-', '').slice(0, 12), 16);
    expect(Math.abs(madeAt - new Date(second.createdAt).getTime())).toBeLessThan(1_000);
  });

  it('moves the amount from the debited to the credited wallet and records both balances after it', async () => {
    const alice = await bed.fundedCustomer(10_000);
    const bob = await bed.fundedCustomer(500);
    const tx = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 2_500, bed.ref()),
    );
    expect(tx).toMatchObject({
      status: 'COMPLETED',
      amount: 2_500,
      currencyCode: 'RWF',
      channelType: 'APP',
      debitedWalletBalance: 7_500,
      // Bob's balance is Bob's business: Alice sees only her own side.
      creditedWalletBalance: null,
      reversalOf: null,
    });
    expect(await bed.services.transactions.get(bed.admin, tx.id)).toMatchObject({
      debitedWalletBalance: 7_500,
      creditedWalletBalance: 3_000,
    });
    expect(await bed.services.transactions.get(bob.customer, tx.id)).toMatchObject({
      debitedWalletBalance: null,
      creditedWalletBalance: 3_000,
    });
    expect(await bed.balanceOf(alice.wallet.id)).toBe(7_500);
    expect(await bed.balanceOf(bob.wallet.id)).toBe(3_000);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('gives each posting a readable, unique reference number', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const [a, b] = await Promise.all([bed.deposit(wallet.id, 1), bed.deposit(wallet.id, 1)]);
    expect(a.referenceNumber).toMatch(/^TX\d{15}[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(a.referenceNumber).not.toBe(b.referenceNumber);
  });

  it('accepts the transaction type by id as well as by code', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const transfer = (await bed.services.transactionTypes.list({ code: 'TRANSFER' })).items[0];
    const tx = await bed.services.ledger.post(alice.customer, {
      ...posting('TRANSFER', alice.wallet.id, bob.wallet.id, 40, bed.ref()),
      transactionTypeCode: undefined,
      transactionTypeId: transfer?.id,
    });
    expect(tx.transactionTypeId).toBe(transfer?.id);
  });

  it('lets an admin deposit from and withdraw to the float', async () => {
    const { wallet } = await bed.fundedCustomer(1_000);
    const float = await bed.float();
    const withdrawal = await bed.services.ledger.post(
      bed.admin,
      posting('WITHDRAWAL', wallet.id, float.id, 300, bed.ref()),
    );
    expect(withdrawal.debitedWalletBalance).toBe(700);
  });

  it('tells both customers by SMS, with amount, currency, balance after and reference', async () => {
    const alice = await bed.fundedCustomer(10_000);
    const bob = await bed.fundedCustomer(0);
    const tx = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 1_234, bed.ref()),
    );
    const jobs = await bed.noticesOf(tx.id);
    expect(jobs).toHaveLength(2);
    const debit = jobs.find((j) => j.kind === 'DEBIT_NOTICE');
    const credit = jobs.find((j) => j.kind === 'CREDIT_NOTICE');
    expect(debit?.to).toBe(alice.customer.phoneNumber);
    expect(debit?.text).toContain('1,234 RWF');
    expect(debit?.text).toContain('Balance 8,766 RWF');
    expect(debit?.text).toContain(tx.referenceNumber);
    expect(credit?.to).toBe(bob.customer.phoneNumber);
    expect(credit?.text).toContain('Balance 1,234 RWF');
  });

  it('writes USD amounts in dollars and cents', async () => {
    const { customer, wallet } = await bed.fundedCustomer(0, 'USD');
    const tx = await bed.deposit(wallet.id, 123_456, 'USD');
    const notice = (await bed.noticesOf(tx.id)).find((j) => j.to === customer.phoneNumber);
    expect(notice?.text).toContain('1,234.56 USD');
  });

  it('sends no SMS to the system account that owns the float', async () => {
    const { customer, wallet } = await bed.fundedCustomer(0);
    const tx = await bed.deposit(wallet.id, 50);
    const jobs = await bed.noticesOf(tx.id);
    expect(jobs.map((j) => [j.to, j.kind])).toEqual([[customer.phoneNumber, 'CREDIT_NOTICE']]);
  });
});

describe('the notices of a bulk call', () => {
  /** The posting each item of a bulk made, by item; a refused item has none. */
  const postedItems = (output: { results: { status: number; data?: unknown }[] }) =>
    output.results.map((r) =>
      r.status === 201 ? (r.data as { id: string; referenceNumber: string }) : undefined,
    );

  it('tells a payer once for all the postings of one call, with the count, total and balance after the last, and each payee their own', async () => {
    const alice = await bed.fundedCustomer(10_000);
    const payees = [await bed.fundedCustomer(0), await bed.fundedCustomer(0), await bed.fundedCustomer(0)];
    const [bob, carol, dave] = payees as [(typeof payees)[0], (typeof payees)[0], (typeof payees)[0]];
    const output = await bed.services.ledger.postMany(alice.customer, {
      atomic: false,
      transactions: [
        posting('TRANSFER', alice.wallet.id, bob.wallet.id, 100, bed.ref()),
        posting('TRANSFER', alice.wallet.id, carol.wallet.id, 200, bed.ref()),
        // Refused (more than alice has): it posts nothing, and her notice does not count it.
        posting('TRANSFER', alice.wallet.id, dave.wallet.id, 1_000_000, bed.ref()),
        posting('TRANSFER', alice.wallet.id, dave.wallet.id, 300, bed.ref()),
      ],
    });
    const [toBob, toCarol, refused, toDave] = postedItems(output);
    expect(refused).toBeUndefined();
    if (!toBob || !toCarol || !toDave) throw new Error('a good item was not posted');
    // The payer's notice goes with the last posting it tells of.
    expect(await bed.noticesOf(toBob.id)).toEqual([
      expect.objectContaining({ to: bob.customer.phoneNumber, kind: 'CREDIT_NOTICE' }),
    ]);
    expect(await bed.noticesOf(toCarol.id)).toEqual([
      expect.objectContaining({ to: carol.customer.phoneNumber, kind: 'CREDIT_NOTICE' }),
    ]);
    const last = await bed.noticesOf(toDave.id);
    expect(last.map((j) => [j.to, j.kind]).sort()).toEqual(
      [
        [alice.customer.phoneNumber, 'DEBIT_NOTICE'],
        [dave.customer.phoneNumber, 'CREDIT_NOTICE'],
      ].sort(),
    );
    expect(last.find((j) => j.kind === 'DEBIT_NOTICE')?.text).toBe(
      `Tekana: 600 RWF debited from account ${alice.wallet.accountNumber} in 3 transactions. Ref ${toBob.referenceNumber} and 2 more. Balance 9,400 RWF.`,
    );
    expect(last.find((j) => j.kind === 'CREDIT_NOTICE')?.text).toBe(
      `Tekana: 300 RWF credited to account ${dave.wallet.accountNumber}. Ref ${toDave.referenceNumber}. Balance 300 RWF.`,
    );
  });

  it('tells a payee paid twice in one atomic call once, and keeps two calls that share a batch apart', async () => {
    const alice = await bed.fundedCustomer(10_000);
    const bob = await bed.fundedCustomer(0);
    const call = () =>
      bed.services.ledger.postMany(alice.customer, {
        atomic: true,
        transactions: [
          posting('TRANSFER', alice.wallet.id, bob.wallet.id, 70, bed.ref()),
          posting('TRANSFER', alice.wallet.id, bob.wallet.id, 30, bed.ref()),
        ],
      });
    // Made together, the two calls' postings may share an engine batch; each still tells its own.
    const outputs = await Promise.all([call(), call()]);
    const notices = [];
    for (const output of outputs) {
      const [first, second] = postedItems(output);
      if (!first || !second) throw new Error('an atomic call was not posted');
      expect(await bed.noticesOf(first.id)).toEqual([]);
      const told = await bed.noticesOf(second.id);
      expect(told.map((j) => j.kind).sort()).toEqual(['CREDIT_NOTICE', 'DEBIT_NOTICE']);
      for (const notice of told) expect(notice.text).toContain(`100 RWF`);
      for (const notice of told)
        expect(notice.text).toContain(`in 2 transactions. Ref ${first.referenceNumber} and 1 more.`);
      notices.push(...told);
    }
    const toBob = notices.filter((j) => j.to === bob.customer.phoneNumber).map((j) => j.text);
    // After both calls bob holds 200; whichever call posted last tells him so.
    expect(toBob.filter((text) => text.endsWith('Balance 200 RWF.'))).toHaveLength(1);
    expect(toBob.filter((text) => text.endsWith('Balance 100 RWF.'))).toHaveLength(1);
  });
});

describe('refusing a posting (422, nothing posted)', () => {
  it('refuses a transfer that would overdraw a PERSONAL wallet', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const ref = bed.ref();
    await expectRefused(
      bed.services.ledger.post(alice.customer, posting('TRANSFER', alice.wallet.id, bob.wallet.id, 101, ref)),
      'INSUFFICIENT_FUNDS',
    );
    expect(await postedUnder(ref)).toEqual([]);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(100);
    expect(await bed.balanceOf(bob.wallet.id)).toBe(0);
  });

  it("refuses a posting that touches an INACTIVE or DORMANT wallet, naming its side, never another customer's account number", async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    await bed.services.wallets.setStatus(bed.admin, { id: bob.wallet.id, status: 'DORMANT' });
    const toBob = bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, bed.ref()),
    );
    await expectRefused(toBob, 'WALLET_INACTIVE');
    await expect(toBob).rejects.toThrow(/^The credited wallet is DORMANT$/);
    await bed.services.wallets.setStatus(bed.admin, { id: bob.wallet.id, status: 'ACTIVE' });
    await bed.services.wallets.setStatus(bed.admin, { id: alice.wallet.id, status: 'INACTIVE' });
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, bed.ref()),
      ),
      'WALLET_INACTIVE',
    );
    expect(await bed.balanceOf(alice.wallet.id)).toBe(100);
  });

  it('refuses to move money between wallets of different currencies, or in a currency the wallets do not hold', async () => {
    const alice = await bed.fundedCustomer(100, 'RWF');
    const bob = await bed.fundedCustomer(0, 'USD');
    const carol = await bed.fundedCustomer(0, 'RWF');
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, bed.ref()),
      ),
      'CURRENCY_MISMATCH',
    );
    await expectRefused(
      bed.services.ledger.post(alice.customer, {
        ...posting('TRANSFER', alice.wallet.id, carol.wallet.id, 10, bed.ref()),
        currencyCode: 'USD',
      }),
      'CURRENCY_MISMATCH',
    );
    const tx = await bed.services.ledger.post(alice.customer, {
      ...posting('TRANSFER', alice.wallet.id, carol.wallet.id, 10, bed.ref()),
      currencyCode: 'RWF',
    });
    expect(tx.currencyCode).toBe('RWF');
  });

  it('refuses a posting of an INACTIVE transaction type', async () => {
    const type = await ownTransferType();
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    await bed.services.transactionTypes.setStatus(bed.admin, { id: type.id, status: 'INACTIVE' });
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting(type.code, alice.wallet.id, bob.wallet.id, 10, bed.ref()),
      ),
      'TRANSACTION_TYPE_INACTIVE',
    );
  });

  it('refuses a TRANSFER out of a MERCHANT wallet (the rules do not allow the debit)', async () => {
    const merchant = await bed.makeCustomer();
    const till = await bed.openWallet(merchant, 'MERCHANT');
    await bed.deposit(till.id, 500);
    const { wallet } = await bed.fundedCustomer(0);
    await expectRefused(
      bed.services.ledger.post(merchant, posting('TRANSFER', till.id, wallet.id, 10, bed.ref())),
      'DEBIT_NOT_ALLOWED',
    );
  });

  it('refuses a PAYMENT into a PERSONAL wallet (the rules do not allow the credit)', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('PAYMENT', alice.wallet.id, bob.wallet.id, 10, bed.ref()),
      ),
      'CREDIT_NOT_ALLOWED',
    );
    const shop = await bed.openWallet(bob.customer, 'MERCHANT');
    const paid = await bed.services.ledger.post(
      alice.customer,
      posting('PAYMENT', alice.wallet.id, shop.id, 10, bed.ref()),
    );
    expect((await bed.services.transactions.get(bob.customer, paid.id)).creditedWalletBalance).toBe(10);
  });

  it("refuses an amount outside the transaction type's or the wallet types' limits", async () => {
    const alice = await bed.fundedCustomer(6_000_000);
    const bob = await bed.fundedCustomer(0);
    // TRANSFER allows at most 5,000,000.
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('TRANSFER', alice.wallet.id, bob.wallet.id, 5_000_001, bed.ref()),
      ),
      'AMOUNT_OUT_OF_RANGE',
    );
    const type = await ownTransferType({ minimumAmount: 100, maximumAmount: 20_000_000 });
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting(type.code, alice.wallet.id, bob.wallet.id, 99, bed.ref()),
      ),
      'AMOUNT_OUT_OF_RANGE',
    );
    // The type allows 20,000,000 but a PERSONAL wallet takes at most 10,000,000 per transaction.
    await bed.deposit(alice.wallet.id, 6_000_000);
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting(type.code, alice.wallet.id, bob.wallet.id, 10_000_001, bed.ref()),
      ),
      'AMOUNT_OUT_OF_RANGE',
    );
    expect(await bed.balanceOf(alice.wallet.id)).toBe(12_000_000);
  });

  it('refuses a transfer from a wallet to itself', async () => {
    const alice = await bed.fundedCustomer(100);
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('TRANSFER', alice.wallet.id, alice.wallet.id, 1, bed.ref()),
      ),
      'SAME_WALLET',
    );
  });

  it("forbids a customer to debit another customer's wallet", async () => {
    const alice = await bed.fundedCustomer(100);
    const mallory = await bed.fundedCustomer(0);
    await expectRefused(
      bed.services.ledger.post(
        mallory.customer,
        posting('TRANSFER', alice.wallet.id, mallory.wallet.id, 50, bed.ref()),
      ),
      'FORBIDDEN',
    );
    expect(await bed.balanceOf(alice.wallet.id)).toBe(100);
  });

  it('forbids a customer to post against the float (deposits and withdrawals are an admin’s)', async () => {
    const alice = await bed.fundedCustomer(100);
    const float = await bed.float();
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('WITHDRAWAL', alice.wallet.id, float.id, 50, bed.ref()),
      ),
      'FORBIDDEN',
    );
    await expectRefused(
      bed.services.ledger.post(alice.customer, posting('DEPOSIT', float.id, alice.wallet.id, 50, bed.ref())),
      'FORBIDDEN',
    );
  });

  it('answers NOT_FOUND for a wallet or a transaction type that does not exist', async () => {
    const alice = await bed.fundedCustomer(100);
    const nowhere = '00000000-0000-4000-8000-000000000000';
    await expectRefused(
      bed.services.ledger.post(alice.customer, posting('TRANSFER', alice.wallet.id, nowhere, 1, bed.ref())),
      'NOT_FOUND',
    );
    await expectRefused(
      bed.services.ledger.post(
        alice.customer,
        posting('NO_SUCH_TYPE', alice.wallet.id, nowhere, 1, bed.ref()),
      ),
      'NOT_FOUND',
    );
  });
});

describe('idempotency on externalReferenceNumber', () => {
  it('returns the first posting for the same request again, without posting twice', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 300, bed.ref());
    const first = await bed.services.ledger.post(alice.customer, request);
    const again = await bed.services.ledger.post(alice.customer, request);
    expect(again).toEqual(first);
    expect(await bed.noticesOf(first.id)).toHaveLength(2);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(700);
    expect(await postedUnder(request.externalReferenceNumber)).toHaveLength(1);
  });

  it('posts once for 20 parallel copies of one request, and answers all of them with that posting', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    // Only one copy could pass the balance check: the others must see the first one, not a refusal.
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 800, bed.ref());
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => bed.services.ledger.post(alice.customer, request)),
    );
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(200);
    expect(await postedUnder(request.externalReferenceNumber)).toHaveLength(1);
  });

  it('refuses the same reference with a different payload with IDEMPOTENCY_CONFLICT', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 300, bed.ref());
    await bed.services.ledger.post(alice.customer, request);
    await expectRefused(
      bed.services.ledger.post(alice.customer, { ...request, amount: 301 }),
      'IDEMPOTENCY_CONFLICT',
    );
    // Other wallets under the same key: the race is settled by the unique key, with the same answer.
    const carol = await bed.fundedCustomer(1_000);
    await expectRefused(
      bed.services.ledger.post(carol.customer, { ...request, debitedWalletId: carol.wallet.id }),
      'IDEMPOTENCY_CONFLICT',
    );
    expect(await bed.balanceOf(alice.wallet.id)).toBe(700);
    expect(await bed.balanceOf(carol.wallet.id)).toBe(1_000);
  });

  it('refuses the same payload from another sender with IDEMPOTENCY_CONFLICT', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 300, bed.ref());
    await bed.services.ledger.post(alice.customer, request);
    await expectRefused(bed.services.ledger.post(bed.admin, request), 'IDEMPOTENCY_CONFLICT');
  });

  it('settles parallel requests with one key on disjoint wallets by the unique key: one posts, the others conflict', async () => {
    // No wallet in common, so no lock in common: the requests meet only on the unique index.
    const pairs = await Promise.all(
      Array.from({ length: 6 }, async () => ({
        from: await bed.fundedCustomer(100),
        to: await bed.fundedCustomer(0),
      })),
    );
    const ref = bed.ref();
    const outcomes = await Promise.all(
      pairs.map(({ from, to }) =>
        outcomeOf(
          bed.services.ledger.post(from.customer, posting('TRANSFER', from.wallet.id, to.wallet.id, 10, ref)),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'IDEMPOTENCY_CONFLICT')).toHaveLength(5);
    const received = await Promise.all(pairs.map(({ to }) => bed.balanceOf(to.wallet.id)));
    expect(received.sort()).toEqual([0, 0, 0, 0, 0, 10]);
    expect(await postedUnder(ref)).toHaveLength(1);
  });

  it('lets a refused request be retried under the same reference once it can succeed', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const request = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 150, bed.ref());
    await expectRefused(bed.services.ledger.post(alice.customer, request), 'INSUFFICIENT_FUNDS');
    await bed.deposit(alice.wallet.id, 50);
    const tx = await bed.services.ledger.post(alice.customer, request);
    expect(tx.debitedWalletBalance).toBe(0);
  });
});

describe('reversing a transaction', () => {
  it('posts the same amount back, linked by reversalOf, and marks the original REVERSED', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const original = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 400, bed.ref()),
    );
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: original.id });
    expect(reversal).toMatchObject({
      status: 'COMPLETED',
      reversalOf: original.id,
      debitedWalletId: bob.wallet.id,
      creditedWalletId: alice.wallet.id,
      amount: 400,
      transactionTypeId: original.transactionTypeId,
      externalReferenceNumber: `reversal:${original.id}`,
      debitedWalletBalance: 0,
      creditedWalletBalance: 1_000,
    });
    expect((await bed.services.transactions.get(bed.admin, original.id)).status).toBe('REVERSED');
    expect((await bed.noticesOf(reversal.id)).map((j) => j.kind).sort()).toEqual([
      'CREDIT_NOTICE',
      'DEBIT_NOTICE',
    ]);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('refuses a second reversal with ALREADY_REVERSED', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 100);
    await bed.services.ledger.reverse(bed.admin, { id: deposit.id });
    await expectRefused(bed.services.ledger.reverse(bed.admin, { id: deposit.id }), 'ALREADY_REVERSED');
    expect(await bed.balanceOf(wallet.id)).toBe(0);
  });

  it('reverses once when ten admins reverse the same transaction at once', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 100);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => outcomeOf(bed.services.ledger.reverse(bed.admin, { id: deposit.id }))),
    );
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'ALREADY_REVERSED')).toHaveLength(9);
    expect(await bed.balanceOf(wallet.id)).toBe(0);
  });

  it('refuses to reverse a reversal with NOT_REVERSIBLE', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 100);
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: deposit.id });
    await expectRefused(bed.services.ledger.reverse(bed.admin, { id: reversal.id }), 'NOT_REVERSIBLE');
  });

  it('refuses a reversal that would overdraw the wallet the original credited', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const carol = await bed.fundedCustomer(0);
    const original = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 600, bed.ref()),
    );
    await bed.services.ledger.post(
      bob.customer,
      posting('TRANSFER', bob.wallet.id, carol.wallet.id, 500, bed.ref()),
    );
    await expectRefused(bed.services.ledger.reverse(bed.admin, { id: original.id }), 'INSUFFICIENT_FUNDS');
    expect((await bed.services.transactions.get(bed.admin, original.id)).status).toBe('COMPLETED');
    expect(await bed.balanceOf(bob.wallet.id)).toBe(100);
  });

  it('reverses even when the type is INACTIVE now and a wallet is frozen: it is a correction', async () => {
    const type = await ownTransferType();
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const original = await bed.services.ledger.post(
      alice.customer,
      posting(type.code, alice.wallet.id, bob.wallet.id, 300, bed.ref()),
    );
    await bed.services.transactionTypes.setStatus(bed.admin, { id: type.id, status: 'INACTIVE' });
    await bed.services.wallets.setStatus(bed.admin, { id: bob.wallet.id, status: 'INACTIVE' });
    const reversal = await bed.services.ledger.reverse(bed.admin, {
      id: original.id,
      statusMessage: 'Fraud',
    });
    expect(reversal.statusMessage).toBe('Fraud');
    expect(await bed.balanceOf(alice.wallet.id)).toBe(1_000);
  });

  it('answers NOT_FOUND for a transaction that does not exist', async () => {
    await expectRefused(
      bed.services.ledger.reverse(bed.admin, { id: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });
});

describe('limits per period', () => {
  it("refuses a posting over its wallet type's daily limit, and posts nothing of it", async () => {
    const alice = await bed.limitedSender(1_000, [{ period: 'DAY', maxAmount: 500 }]);
    await alice.send(300);
    await expectRefused(alice.send(300), 'LIMIT_EXCEEDED');
    expect(await bed.balanceOf(alice.wallet.id)).toBe(700);
  });
});

describe('the ledger as a whole', () => {
  it('produces every posting refusal code somewhere in this file', () => {
    const missing = POSTING_REFUSALS.filter((code: PostingRefusal) => !refusalsSeen.has(code));
    expect(missing).toEqual([]);
  });

  it('stays balanced: verifyLedger finds no problem', async () => {
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
