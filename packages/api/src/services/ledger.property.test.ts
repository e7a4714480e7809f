import type { Actor, ErrorCode, TransactionCreateInput } from '@tekana/contracts';
import { createDatabase, verifyLedger, wallets, walletTypes } from '@tekana/db';
import { and, eq, inArray, lt } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
let bed: Testbed;
let limitsOf: (code: string) => { min: number; max: number };

beforeAll(async () => {
  bed = await createTestbed(database);
  // The seeded limits, read rather than restated: the model follows whatever the database holds.
  const types = (await bed.services.transactionTypes.list({ limit: 100 })).items;
  const kinds = (await bed.services.walletTypes.list({ limit: 100 })).items;
  limitsOf = (code) => {
    const type = types.find((t) => t.code === code);
    if (type) return { min: type.minimumAmount, max: type.maximumAmount };
    const kind = kinds.find((t) => t.code === code);
    if (kind) return { min: kind.minimumTransactionAmount, max: kind.maximumTransactionAmount };
    throw new Error(`no limits for ${code}`);
  };
});
afterAll(async () => {
  await database.close();
});

// Wallets 0..2 are PERSONAL, each its own customer's; wallet 3 is a MERCHANT's. FLOAT is the admin's way in and out.
const PERSONAL = [0, 1, 2] as const;
const FLOAT = 'float';
type Side = number | typeof FLOAT;

type Action =
  | { kind: 'deposit'; to: number; amount: number }
  | { kind: 'withdraw'; from: number; amount: number }
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'pay'; from: number; amount: number }
  | { kind: 'reverse'; pick: number }
  | { kind: 'replay'; pick: number; changeAmount: boolean }
  | { kind: 'toggle'; wallet: number };

const amount = (max: number) =>
  fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 1, max }) },
    // Past the TRANSFER limit, and past the DEPOSIT limit.
    { weight: 1, arbitrary: fc.constantFrom(5_000_001, 10_000_001) },
  );
const anyWallet = fc.integer({ min: 0, max: 3 });
const personal = fc.constantFrom(...PERSONAL);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deposit'), to: anyWallet, amount: amount(3_000) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('withdraw'), from: anyWallet, amount: amount(1_500) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('transfer'),
      from: personal,
      to: personal,
      amount: amount(1_500),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pay'), from: personal, amount: amount(1_500) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reverse'), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('replay'), pick: fc.nat(), changeAmount: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('toggle'), wallet: anyWallet }) },
) as fc.Arbitrary<Action>;

type Posted = {
  id: string;
  actor: Actor;
  request: TransactionCreateInput;
  debited: Side;
  credited: Side;
  amount: number;
  reversed: boolean;
  isReversal: boolean;
};

/** The ledger as it should be: balances, statuses and postings, moved by the same actions. */
class Model {
  balances = [0, 0, 0, 0];
  active = [true, true, true, true];
  posted: Posted[] = [];

  /** What the ledger must answer to a posting, in the order of its checks. */
  expect(
    type: string,
    debited: Side,
    credited: Side,
    amount: number,
    walletType: (side: Side) => string,
  ): ErrorCode | 'OK' {
    if (debited === credited) return 'SAME_WALLET';
    if ([debited, credited].some((s) => s !== FLOAT && !this.active[s])) return 'WALLET_INACTIVE';
    const limits = [type, walletType(debited), walletType(credited)].map(limitsOf);
    if (amount < Math.max(...limits.map((l) => l.min)) || amount > Math.min(...limits.map((l) => l.max))) {
      return 'AMOUNT_OUT_OF_RANGE';
    }
    if (debited !== FLOAT && (this.balances[debited] ?? 0) < amount) return 'INSUFFICIENT_FUNDS';
    return 'OK';
  }

  move(debited: Side, credited: Side, amount: number) {
    if (debited !== FLOAT) this.balances[debited] = (this.balances[debited] ?? 0) - amount;
    if (credited !== FLOAT) this.balances[credited] = (this.balances[credited] ?? 0) + amount;
  }
}

async function newWorld() {
  const owners = await Promise.all([0, 1, 2, 3].map(() => bed.makeCustomer()));
  const opened = await Promise.all(
    owners.map((o, i) => bed.openWallet(o, i === 3 ? 'MERCHANT' : 'PERSONAL')),
  );
  const float = await bed.float();
  const idOf = (side: Side) => (side === FLOAT ? float.id : (opened[side]?.id ?? ''));
  const ownerOf = (side: Side): Actor => (side === FLOAT ? bed.admin : (owners[side] ?? bed.admin));
  const walletType = (side: Side) => (side === FLOAT ? 'FLOAT' : side === 3 ? 'MERCHANT' : 'PERSONAL');
  return { ids: opened.map((w) => w.id), idOf, ownerOf, walletType };
}

/** Runs one action against the ledger and the model, and checks that both gave the same answer. */
async function step(world: Awaited<ReturnType<typeof newWorld>>, model: Model, a: Action) {
  const { idOf, ownerOf, walletType } = world;
  const post = async (type: string, actor: Actor, debited: Side, credited: Side, amount: number) => {
    const expected = model.expect(type, debited, credited, amount, walletType);
    const request = posting(type, idOf(debited), idOf(credited), amount, bed.ref());
    let id = '';
    const outcome = await outcomeOf(bed.services.ledger.post(actor, request).then((t) => (id = t.id)));
    expect(outcome, `${type} ${String(debited)}→${String(credited)} ${amount}`).toBe(expected);
    if (outcome !== 'OK') return;
    model.move(debited, credited, amount);
    model.posted.push({ id, actor, request, debited, credited, amount, reversed: false, isReversal: false });
  };

  switch (a.kind) {
    case 'deposit':
      return post('DEPOSIT', bed.admin, FLOAT, a.to, a.amount);
    case 'withdraw':
      return post('WITHDRAWAL', bed.admin, a.from, FLOAT, a.amount);
    case 'transfer':
      return post('TRANSFER', ownerOf(a.from), a.from, a.to, a.amount);
    case 'pay':
      return post('PAYMENT', ownerOf(a.from), a.from, 3, a.amount);
    case 'toggle': {
      const status = model.active[a.wallet] ? 'INACTIVE' : 'ACTIVE';
      await bed.services.wallets.setStatus(bed.admin, { id: world.ids[a.wallet] ?? '', status });
      model.active[a.wallet] = status === 'ACTIVE';
      return;
    }
    case 'reverse': {
      const original = model.posted[a.pick % model.posted.length];
      if (!original) return;
      const { credited: debited, debited: credited, amount } = original;
      const expected = original.isReversal
        ? 'NOT_REVERSIBLE'
        : original.reversed
          ? 'ALREADY_REVERSED'
          : debited !== FLOAT && (model.balances[debited] ?? 0) < amount
            ? 'INSUFFICIENT_FUNDS'
            : 'OK';
      let id = '';
      const outcome = await outcomeOf(
        bed.services.ledger.reverse(bed.admin, { id: original.id }).then((t) => (id = t.id)),
      );
      expect(outcome, `reverse ${original.id}`).toBe(expected);
      if (outcome !== 'OK') return;
      model.move(debited, credited, amount);
      original.reversed = true;
      model.posted.push({ ...original, id, debited, credited, reversed: false, isReversal: true });
      return;
    }
    case 'replay': {
      const originals = model.posted.filter((p) => !p.isReversal);
      const original = originals[a.pick % originals.length];
      if (!original) return;
      const request = a.changeAmount
        ? { ...original.request, amount: original.amount + 1 }
        : original.request;
      const answer = bed.services.ledger.post(original.actor, request);
      if (a.changeAmount) expect(await outcomeOf(answer)).toBe('IDEMPOTENCY_CONFLICT');
      else expect((await answer).id).toBe(original.id);
      return;
    }
  }
}

async function expectLedgerMatches(world: Awaited<ReturnType<typeof newWorld>>, model: Model) {
  const rows = await database.db
    .select({ id: wallets.id, balance: wallets.currentBalance })
    .from(wallets)
    .where(inArray(wallets.id, world.ids));
  expect(world.ids.map((id) => rows.find((r) => r.id === id)?.balance)).toEqual(model.balances);
  const overdrawn = await database.db
    .select({ id: wallets.id })
    .from(wallets)
    .innerJoin(walletTypes, eq(walletTypes.id, wallets.walletTypeId))
    .where(and(eq(walletTypes.allowNegativeBalance, false), lt(wallets.currentBalance, 0)));
  expect(overdrawn).toEqual([]);
  expect(await verifyLedger(database.db)).toEqual([]);
}

describe('the ledger under random sequences of postings, refusals and reversals', () => {
  it('agrees with a model after every step: same answers, same balances, nothing overdrawn, verify clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 20 }), async (actions) => {
        const world = await newWorld();
        const model = new Model();
        // Some money to start with, so that transfers and payments often go through.
        for (const wallet of PERSONAL)
          await step(world, model, { kind: 'deposit', to: wallet, amount: 2_000 });
        for (const a of actions) {
          await step(world, model, a);
          await expectLedgerMatches(world, model);
        }
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
