import { randomBytes } from 'node:crypto';
import { isValidAccountNumber } from '@tekana/contracts';
import { createDatabase, randomDigits } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, type Testbed } from '../../test/ledger-testbed';
import { createMemoryRateLimiter } from '../ports/rate-limiter';
import { createWalletService } from './wallets';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
});

const uniqueCode = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex').toUpperCase()}`;

describe('wallet types', () => {
  it('lets an admin create a wallet type, listed by its code', async () => {
    const code = uniqueCode('SAVINGS');
    const created = await bed.services.walletTypes.create(bed.admin, {
      code,
      name: 'Savings',
      minimumTransactionAmount: 100,
      maximumTransactionAmount: 1_000_000,
      allowNegativeBalance: false,
    });
    expect(created).toMatchObject({ code, description: null, minimumTransactionAmount: 100 });
    expect((await bed.services.walletTypes.list({ code })).items).toEqual([created]);
  });

  it('refuses a second wallet type with the same code with CONFLICT', async () => {
    const input = {
      code: uniqueCode('DUP'),
      name: 'Dup',
      minimumTransactionAmount: 1,
      maximumTransactionAmount: 10,
      allowNegativeBalance: false,
    };
    await bed.services.walletTypes.create(bed.admin, input);
    expect(await outcomeOf(bed.services.walletTypes.create(bed.admin, input))).toBe('CONFLICT');
  });

  it('filters wallet types on allowNegativeBalance', async () => {
    const negative = await bed.services.walletTypes.list({ allowNegativeBalance: true, limit: 100 });
    expect(negative.items.map((t) => t.code)).toContain('FLOAT');
    expect(negative.items.every((t) => t.allowNegativeBalance)).toBe(true);
  });
});

describe('wallets', () => {
  it('opens a wallet for the customer with a fresh, check-digited account number and a zero balance', async () => {
    const customer = await bed.makeCustomer();
    const wallet = await bed.services.wallets.create(customer, {
      walletTypeCode: 'PERSONAL',
      currencyCode: 'USD',
    });
    expect(wallet).toMatchObject({
      customerId: customer.id,
      currencyCode: 'USD',
      currentBalance: 0,
      status: 'ACTIVE',
    });
    expect(isValidAccountNumber(wallet.accountNumber)).toBe(true);
  });

  it('draws another account number when the first one is taken', async () => {
    const customer = await bed.makeCustomer();
    const taken = await bed.openWallet(customer);
    // Scripted digits: first the taken number's, then fresh ones.
    const scripted = [taken.accountNumber.slice(1, -1), randomDigits(10)];
    const wallets = createWalletService({
      database,
      limits: {
        walletLookupPerCaller: createMemoryRateLimiter('lookup', { points: 10, durationSeconds: 60 }),
      },
      randomDigits: () => scripted.shift() ?? '0000000000',
    });
    const wallet = await wallets.create(customer, { walletTypeCode: 'PERSONAL', currencyCode: 'RWF' });
    expect(wallet.accountNumber).not.toBe(taken.accountNumber);
    expect(isValidAccountNumber(wallet.accountNumber)).toBe(true);
  });

  it('lets an admin open a wallet for any customer', async () => {
    const customer = await bed.makeCustomer();
    const wallet = await bed.services.wallets.create(bed.admin, {
      customerId: customer.id,
      walletTypeCode: 'MERCHANT',
      currencyCode: 'RWF',
    });
    expect(wallet.customerId).toBe(customer.id);
  });

  it('forbids a customer to open a wallet for someone else, or a wallet that may go negative', async () => {
    const alice = await bed.makeCustomer();
    const bob = await bed.makeCustomer();
    const forBob = bed.services.wallets.create(alice, {
      customerId: bob.id,
      walletTypeCode: 'PERSONAL',
      currencyCode: 'RWF',
    });
    expect(await outcomeOf(forBob)).toBe('FORBIDDEN');
    const float = bed.services.wallets.create(alice, { walletTypeCode: 'FLOAT', currencyCode: 'RWF' });
    expect(await outcomeOf(float)).toBe('FORBIDDEN');
  });

  it('answers NOT_FOUND for an unknown wallet type or customer', async () => {
    const alice = await bed.makeCustomer();
    expect(
      await outcomeOf(bed.services.wallets.create(alice, { walletTypeCode: 'NO_SUCH', currencyCode: 'RWF' })),
    ).toBe('NOT_FOUND');
    const nobody = '00000000-0000-4000-8000-000000000000';
    expect(
      await outcomeOf(
        bed.services.wallets.create(bed.admin, {
          customerId: nobody,
          walletTypeCode: 'PERSONAL',
          currencyCode: 'RWF',
        }),
      ),
    ).toBe('NOT_FOUND');
  });

  it("hides another customer's wallets: not in the list, and not found by id", async () => {
    const alice = await bed.makeCustomer();
    const bob = await bed.makeCustomer();
    const alices = await bed.openWallet(alice);
    const bobs = await bed.openWallet(bob);
    const seen = await bed.services.wallets.list(alice, { limit: 100 });
    expect(seen.items.map((w) => w.id)).toEqual([alices.id]);
    expect((await bed.services.wallets.list(alice, { customerId: bob.id })).items).toEqual([]);
    expect(await outcomeOf(bed.services.wallets.get(alice, bobs.id))).toBe('NOT_FOUND');
    expect((await bed.services.wallets.get(bob, bobs.id)).id).toBe(bobs.id);
    expect((await bed.services.wallets.get(bed.admin, bobs.id)).id).toBe(bobs.id);
  });

  it('lists wallets newest first, page by page, with filters', async () => {
    const customer = await bed.makeCustomer();
    const opened = [];
    for (let i = 0; i < 5; i++)
      opened.push(await bed.openWallet(customer, 'PERSONAL', i % 2 ? 'USD' : 'RWF'));
    const first = await bed.services.wallets.list(bed.admin, { customerId: customer.id, limit: 2 });
    const second = await bed.services.wallets.list(bed.admin, {
      customerId: customer.id,
      limit: 2,
      cursor: first.nextCursor ?? '',
    });
    const third = await bed.services.wallets.list(bed.admin, {
      customerId: customer.id,
      limit: 2,
      cursor: second.nextCursor ?? '',
    });
    const ids = [...first.items, ...second.items, ...third.items].map((w) => w.id);
    expect(ids).toEqual(opened.map((w) => w.id).reverse());
    expect(third.nextCursor).toBeNull();
    const usd = await bed.services.wallets.list(bed.admin, { customerId: customer.id, currencyCode: 'USD' });
    expect(usd.items).toHaveLength(2);
    const byNumber = await bed.services.wallets.list(bed.admin, { accountNumber: opened[0]?.accountNumber });
    expect(byNumber.items.map((w) => w.id)).toEqual([opened[0]?.id]);
  });

  it("lets an admin change a wallet's status", async () => {
    const customer = await bed.makeCustomer();
    const wallet = await bed.openWallet(customer);
    expect(
      (await bed.services.wallets.setStatus(bed.admin, { id: wallet.id, status: 'DORMANT' })).status,
    ).toBe('DORMANT');
    const dormant = await bed.services.wallets.list(bed.admin, {
      customerId: customer.id,
      status: 'DORMANT',
    });
    expect(dormant.items.map((w) => w.id)).toEqual([wallet.id]);
    expect(
      await outcomeOf(
        bed.services.wallets.setStatus(bed.admin, {
          id: '00000000-0000-4000-8000-000000000000',
          status: 'ACTIVE',
        }),
      ),
    ).toBe('NOT_FOUND');
  });
});

describe('transaction types and rules', () => {
  it('lets an admin create a transaction type and switch it off and on', async () => {
    const code = uniqueCode('AIRTIME');
    const type = await bed.services.transactionTypes.create(bed.admin, {
      code,
      name: 'Airtime',
      minimumAmount: 100,
      maximumAmount: 50_000,
      status: 'ACTIVE',
    });
    expect(type).toMatchObject({ code, minimumAmount: 100, maximumAmount: 50_000, status: 'ACTIVE' });
    expect(
      (await bed.services.transactionTypes.setStatus(bed.admin, { id: type.id, status: 'INACTIVE' })).status,
    ).toBe('INACTIVE');
    const inactive = await bed.services.transactionTypes.list({ code, status: 'INACTIVE' });
    expect(inactive.items.map((t) => t.id)).toEqual([type.id]);
    const again = {
      code,
      name: 'Airtime again',
      minimumAmount: 1,
      maximumAmount: 2,
      status: 'ACTIVE',
    } as const;
    expect(await outcomeOf(bed.services.transactionTypes.create(bed.admin, again))).toBe('CONFLICT');
  });

  it('sets a rule by upsert and lists it', async () => {
    const type = await bed.services.transactionTypes.create(bed.admin, {
      code: uniqueCode('CASHBACK'),
      name: 'Cashback',
      minimumAmount: 1,
      maximumAmount: 10,
      status: 'ACTIVE',
    });
    const personal = (await bed.services.walletTypes.list({ code: 'PERSONAL' })).items[0];
    if (!personal) throw new Error('no PERSONAL');
    const rule = { transactionTypeId: type.id, walletTypeId: personal.id };
    await bed.services.rules.set(bed.admin, { ...rule, debitAllowed: true, creditAllowed: false });
    const updated = await bed.services.rules.set(bed.admin, {
      ...rule,
      debitAllowed: false,
      creditAllowed: true,
    });
    expect(updated).toEqual({ ...rule, debitAllowed: false, creditAllowed: true });
    expect(await bed.services.rules.list({ transactionTypeId: type.id })).toEqual([updated]);
  });

  it('lists the seeded rules: a DEPOSIT debits FLOAT and credits PERSONAL', async () => {
    const deposit = (await bed.services.transactionTypes.list({ code: 'DEPOSIT' })).items[0];
    const types = (await bed.services.walletTypes.list({ limit: 100 })).items;
    const code = (id: string) => types.find((t) => t.id === id)?.code;
    // Other files of the run add wallet types of their own (with rules) to the same database.
    const seeded = new Set(['FLOAT', 'PERSONAL', 'MERCHANT']);
    const rules = (await bed.services.rules.list({ transactionTypeId: deposit?.id })).filter((r) =>
      seeded.has(code(r.walletTypeId) ?? ''),
    );
    expect(rules.filter((r) => r.debitAllowed).map((r) => code(r.walletTypeId))).toEqual(['FLOAT']);
    expect(
      rules
        .filter((r) => r.creditAllowed)
        .map((r) => code(r.walletTypeId))
        .sort(),
    ).toEqual(['MERCHANT', 'PERSONAL']);
  });

  it('answers NOT_FOUND for a rule on an unknown type', async () => {
    const personal = (await bed.services.walletTypes.list({ code: 'PERSONAL' })).items[0];
    const set = bed.services.rules.set(bed.admin, {
      transactionTypeId: '00000000-0000-4000-8000-000000000000',
      walletTypeId: personal?.id ?? '',
      debitAllowed: true,
      creditAllowed: true,
    });
    expect(await outcomeOf(set)).toBe('NOT_FOUND');
  });
});

describe('looking up whom a payment would reach', () => {
  it('finds an active wallet by account number, with the holder named only by first name and initial', async () => {
    const payer = await bed.makeCustomer();
    const payee = await bed.makeCustomer();
    const wallet = await bed.openWallet(payee);
    const found = await bed.services.wallets.lookup(payer, { accountNumber: wallet.accountNumber });
    expect(found).toEqual({
      walletId: wallet.id,
      accountNumber: wallet.accountNumber,
      currencyCode: 'RWF',
      walletTypeCode: 'PERSONAL',
      holderName: 'Test C.',
    });
  });

  it("finds by phone number the customer's oldest active PERSONAL wallet in the currency, never a merchant or another currency", async () => {
    const payer = await bed.makeCustomer();
    const payee = await bed.makeCustomer();
    await bed.openWallet(payee, 'MERCHANT');
    await bed.openWallet(payee, 'PERSONAL', 'USD');
    const oldest = await bed.openWallet(payee);
    await bed.openWallet(payee);
    const byPhone = { phoneNumber: payee.phoneNumber, currencyCode: 'RWF' as const };
    expect((await bed.services.wallets.lookup(payer, byPhone)).walletId).toBe(oldest.id);
    await bed.services.wallets.setStatus(bed.admin, { id: oldest.id, status: 'INACTIVE' });
    expect((await bed.services.wallets.lookup(payer, byPhone)).walletId).not.toBe(oldest.id);
  });

  it('answers NOT_FOUND for an unknown number, an inactive wallet or the float', async () => {
    const payer = await bed.makeCustomer();
    const payee = await bed.makeCustomer();
    const inactive = await bed.openWallet(payee);
    await bed.services.wallets.setStatus(bed.admin, { id: inactive.id, status: 'INACTIVE' });
    const float = await bed.float();
    for (const accountNumber of ['100000000009', inactive.accountNumber, float.accountNumber]) {
      expect(await outcomeOf(bed.services.wallets.lookup(payer, { accountNumber }))).toBe('NOT_FOUND');
    }
    const noWallet = await bed.makeCustomer();
    const byPhone = { phoneNumber: noWallet.phoneNumber, currencyCode: 'USD' as const };
    expect(await outcomeOf(bed.services.wallets.lookup(payer, byPhone))).toBe('NOT_FOUND');
  });

  it('limits each caller, so lookups cannot be walked as a directory', async () => {
    const wallets = createWalletService({
      database,
      limits: {
        walletLookupPerCaller: createMemoryRateLimiter('lookup', { points: 2, durationSeconds: 60 }),
      },
    });
    const [payer, other] = [await bed.makeCustomer(), await bed.makeCustomer()];
    const target = await bed.openWallet(await bed.makeCustomer());
    const look = (who: typeof payer) =>
      outcomeOf(wallets.lookup(who, { accountNumber: target.accountNumber }));
    expect([await look(payer), await look(payer), await look(payer)]).toEqual([
      'OK',
      'OK',
      'TOO_MANY_REQUESTS',
    ]);
    expect(await look(other)).toBe('OK');
  });
});
