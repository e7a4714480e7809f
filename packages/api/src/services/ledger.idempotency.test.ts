import { isDeepStrictEqual } from 'node:util';
import {
  CHANNEL_TYPES,
  CURRENCY_CODES,
  type TransactionCreateInput,
  type TransactionType,
  transactionCreateInput,
} from '@tekana/contracts';
import { createDatabase, transactions } from '@tekana/db';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';
import { canonicalJson, requestFingerprint, requestFingerprintV1 } from './request-fingerprint';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
let bed: Testbed;
let types: TransactionType[];

beforeAll(async () => {
  bed = await createTestbed(database);
  types = (await bed.services.transactionTypes.list({ limit: 100 })).items;
});
afterAll(async () => {
  await database.close();
});

type Field = Exclude<keyof TransactionCreateInput, 'externalReferenceNumber'>;

/**
 * Another value for every field of the input but the key itself. A record of every field: one that the
 * contract gains does not compile here until it has its change too.
 */
const changes = (): { [F in Field]: fc.Arbitrary<TransactionCreateInput[F]> } => ({
  transactionTypeId: fc.constantFrom(...types.map((t) => t.id)),
  transactionTypeCode: fc.constantFrom(...types.map((t) => t.code)),
  channelType: fc.constantFrom(...CHANNEL_TYPES),
  debitedWalletId: fc.uuid({ version: 4 }),
  creditedWalletId: fc.uuid({ version: 4 }),
  amount: fc.integer({ min: 1, max: 10_000_000 }),
  currencyCode: fc.option(fc.constantFrom(...CURRENCY_CODES), { nil: undefined }),
  statusMessage: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
  // "hold": false is the same request as no hold; a hold is another one.
  hold: fc.constant(true),
  expiresInSeconds: fc.integer({ min: 1, max: 3600 }),
});

const aChange = () =>
  fc.oneof(
    ...Object.entries(changes()).map(([field, value]) =>
      fc.record({ field: fc.constant(field as Field), value: value as fc.Arbitrary<unknown> }),
    ),
  );

/** A transfer as a caller may send it, parsed as the API parses it: by type code or id, optional fields or not. */
const aTransfer = (debitedWalletId: string, creditedWalletId: string) => {
  const transfer = types.find((t) => t.code === 'TRANSFER');
  if (!transfer) throw new Error('no TRANSFER type');
  return fc
    .record(
      {
        type: fc.constantFrom({ transactionTypeCode: 'TRANSFER' }, { transactionTypeId: transfer.id }),
        channelType: fc.constantFrom(...CHANNEL_TYPES),
        amount: fc.integer({ min: 1, max: 100 }),
        currencyCode: fc.constant('RWF'),
        statusMessage: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: ['type', 'amount'] },
    )
    .map(({ type, ...fields }) =>
      parsePosting({
        ...type,
        ...fields,
        debitedWalletId,
        creditedWalletId,
        externalReferenceNumber: bed.ref(),
      }),
    );
};

/** The input with one field changed, parsed again; a type's id and its code stand in for each other. */
function withChange(input: TransactionCreateInput, field: Field, value: unknown): TransactionCreateInput {
  const raw: Record<string, unknown> = { ...input, [field]: value };
  if (field === 'transactionTypeId') delete raw.transactionTypeCode;
  if (field === 'transactionTypeCode') delete raw.transactionTypeId;
  // An expiry makes sense on a hold only.
  if (field === 'expiresInSeconds') raw.hold = true;
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
  return parsePosting(raw);
}

/** Parsed as the API parses it, the payee named by wallet id: the form the engine posts and fingerprints. */
function parsePosting(raw: unknown): TransactionCreateInput {
  const { creditedAccountNumber, creditedWalletId, ...rest } = transactionCreateInput.parse(raw);
  if (!creditedWalletId || creditedAccountNumber) throw new Error('these tests name the payee by wallet id');
  return { ...rest, creditedWalletId };
}

/** The same fields and values, the keys in another order. */
const reordered = <T extends object>(value: T, weights: number[]): T =>
  Object.fromEntries(
    Object.entries(value)
      .map((entry, i) => ({ entry, weight: weights[i] ?? i }))
      .sort((a, b) => a.weight - b.weight)
      .map(({ entry }) => entry),
  ) as T;
const someWeights = fc.array(fc.integer(), { minLength: 10, maxLength: 10 });

describe('the idempotency fingerprint: the whole parsed request counts', () => {
  it('refuses any change of any field under the same key with IDEMPOTENCY_CONFLICT (409), and answers the same request in any key order with the original', async () => {
    const alice = await bed.fundedCustomer(10_000);
    const bob = await bed.fundedCustomer(0);
    await fc.assert(
      fc.asyncProperty(
        aTransfer(alice.wallet.id, bob.wallet.id),
        aChange(),
        someWeights,
        async (input, { field, value }, weights) => {
          const changed = withChange(input, field, value);
          // A change the parse undoes (a space trimmed away, the value it had) is no change.
          fc.pre(!isDeepStrictEqual(changed, input));
          fc.pre(changed.debitedWalletId !== changed.creditedWalletId);

          const first = await bed.services.ledger.post(alice.customer, input);
          expect(await bed.services.ledger.post(alice.customer, reordered(input, weights))).toEqual(first);
          expect(
            await outcomeOf(bed.services.ledger.post(alice.customer, changed)),
            `${field}: ${JSON.stringify(value)}`,
          ).toBe('IDEMPOTENCY_CONFLICT');
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('is the same whatever the order of the keys, and says its version', () => {
    const [one, two] = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    fc.assert(
      fc.property(aTransfer(one, two), someWeights, (input, weights) => {
        const fingerprint = requestFingerprint(bed.admin, input);
        expect(requestFingerprint(bed.admin, reordered(input, weights))).toBe(fingerprint);
        expect(fingerprint).toMatch(/^v2:[0-9a-f]{64}$/);
      }),
    );
  });
});

describe('a payee named by account number', () => {
  it('is the same payment as the payee named by its wallet id: either way again returns the first posting', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const byWalletId = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 70, bed.ref());
    const { creditedWalletId: _, ...rest } = byWalletId;
    const byAccountNumber = { ...rest, creditedAccountNumber: bob.wallet.accountNumber };

    const first = await bed.services.ledger.post(alice.customer, byAccountNumber);
    expect(first.creditedWalletId).toBe(bob.wallet.id);
    expect(await bed.services.ledger.post(alice.customer, byWalletId)).toEqual(first);
    expect(await bed.services.ledger.post(alice.customer, byAccountNumber)).toEqual(first);
    expect((await bed.services.wallets.get(bed.admin, bob.wallet.id)).currentBalance).toBe(70);
  });

  it('refuses another payee under the same key, named by account number, with IDEMPOTENCY_CONFLICT', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const [bob, carol] = [await bed.fundedCustomer(0), await bed.fundedCustomer(0)];
    const first = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 5, bed.ref());
    await bed.services.ledger.post(alice.customer, first);
    const { creditedWalletId: _, ...rest } = first;
    const toCarol = { ...rest, creditedAccountNumber: carol.wallet.accountNumber };
    expect(await outcomeOf(bed.services.ledger.post(alice.customer, toCarol))).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('canonical JSON', () => {
  it('reads back as the value, and is the same text whatever order the keys were set in, at every level', () => {
    const keysReversed = (v: unknown): unknown =>
      v === null || typeof v !== 'object'
        ? v
        : Array.isArray(v)
          ? v.map(keysReversed)
          : Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([key, inner]) => [key, keysReversed(inner)]),
            );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(keysReversed(value))).toBe(text);
      }),
    );
  });
});

describe('a posting stored with a fingerprint from before v2', () => {
  it('still answers the same request with the original, and another payload under its key with IDEMPOTENCY_CONFLICT', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const input = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 300, bed.ref());
    const first = await bed.services.ledger.post(alice.customer, input);
    // As it was written before the upgrade: a bare hash of the old field list.
    await database.db
      .update(transactions)
      .set({ requestHash: requestFingerprintV1(alice.customer, input) })
      .where(eq(transactions.id, first.id));

    expect(await bed.services.ledger.post(alice.customer, input)).toEqual(first);
    const changed = bed.services.ledger.post(alice.customer, { ...input, amount: 301 });
    expect(await outcomeOf(changed)).toBe('IDEMPOTENCY_CONFLICT');
    expect(await outcomeOf(bed.services.ledger.post(bed.admin, input))).toBe('IDEMPOTENCY_CONFLICT');
    expect(await bed.balanceOf(alice.wallet.id)).toBe(700);
  });
});
