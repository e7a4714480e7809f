import type { LimitSetInput } from '@tekana/contracts';
import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, posting, refusalOf, type Testbed } from '../../test/ledger-testbed';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
let bed: Testbed;
// The ledger's clock, moved by the tests: a day in Kigali (UTC+2) ends at 22:00 UTC. In the past, so that
// these postings never come first in another test's newest-first list.
let now = new Date('2026-03-14T12:00:00.000Z');

beforeAll(async () => {
  bed = await createTestbed(database, { clock: { now: () => now } });
});
afterAll(async () => {
  await database.close();
});

async function typeId(code: string) {
  const [type] = (await bed.services.transactionTypes.list({ code })).items;
  if (!type) throw new Error(`no ${code}`);
  return type.id;
}

describe('setting limits', () => {
  it('upserts one limit per wallet type, transaction type and period, audits each change, and removes it', async () => {
    const walletType = await bed.ownWalletType();
    const key = { walletTypeId: walletType.id, period: 'DAY' as const };
    const created = await bed.services.periodLimits.set(bed.admin, { ...key, maxAmount: 5_000 });
    expect(created).toMatchObject({ ...key, transactionTypeId: null, maxAmount: 5_000, maxCount: null });
    const updated = await bed.services.periodLimits.set(bed.admin, { ...key, maxCount: 3 });
    expect(updated).toMatchObject({ id: created.id, maxAmount: null, maxCount: 3 });
    const transfers = await bed.services.periodLimits.set(bed.admin, {
      ...key,
      transactionTypeId: await typeId('TRANSFER'),
      maxAmount: 100,
    });
    expect(transfers.id).not.toBe(created.id);

    const listed = await bed.services.periodLimits.list({ walletTypeId: walletType.id });
    expect(listed.items.map((l) => l.id).sort()).toEqual([transfers.id, created.id].sort());
    const audit = await bed.services.audit.list({ entityId: created.id });
    expect(audit.items.map((a) => a.action)).toEqual(['limit.update', 'limit.create']);
    expect(audit.items[0]?.before).toMatchObject({ maxAmount: 5_000, maxCount: null });
    expect(audit.items[0]?.after).toMatchObject({ maxAmount: null, maxCount: 3 });

    await bed.services.periodLimits.remove(bed.admin, { id: created.id });
    expect((await bed.services.periodLimits.list({ walletTypeId: walletType.id })).items).toHaveLength(1);
    expect((await bed.services.audit.list({ entityId: created.id })).items[0]?.action).toBe('limit.delete');
    expect(await outcomeOf(bed.services.periodLimits.remove(bed.admin, { id: created.id }))).toBe(
      'NOT_FOUND',
    );
  });

  it('refuses a limit of a wallet type or transaction type that does not exist', async () => {
    const walletType = await bed.ownWalletType();
    const missing = '00000000-0000-4000-8000-000000000000';
    const set = (input: LimitSetInput) => outcomeOf(bed.services.periodLimits.set(bed.admin, input));
    expect(await set({ walletTypeId: missing, period: 'DAY', maxAmount: 1 })).toBe('NOT_FOUND');
    expect(
      await set({ walletTypeId: walletType.id, transactionTypeId: missing, period: 'DAY', maxAmount: 1 }),
    ).toBe('NOT_FOUND');
  });
});

describe('a daily limit', () => {
  it('lets postings through up to the amount, then refuses with what is left and when the day turns', async () => {
    now = new Date('2026-03-14T12:00:00.000Z');
    const alice = await bed.limitedSender(10_000, [{ period: 'DAY', maxAmount: 1_000 }]);
    await alice.send(600);
    await alice.send(400);
    const over = await refusalOf(alice.send(1));
    expect(over.code).toBe('LIMIT_EXCEEDED');
    // Midnight in Kigali, UTC+2.
    expect(over.details).toEqual({
      remainingAmount: 0,
      remainingCount: null,
      resetsAt: '2026-03-14T22:00:00.000Z',
    });
    expect(await bed.balanceOf(alice.wallet.id)).toBe(9_000);
  });

  it('counts postings under a count cap, and refuses one over it even when the amount would fit', async () => {
    now = new Date('2026-03-14T12:00:00.000Z');
    const bob = await bed.limitedSender(10_000, [{ period: 'DAY', maxAmount: 5_000, maxCount: 2 }]);
    await bob.send(100);
    await bob.send(100);
    expect((await refusalOf(bob.send(100))).details).toEqual({
      remainingAmount: 4_800,
      remainingCount: 0,
      resetsAt: '2026-03-14T22:00:00.000Z',
    });
  });

  it('counts just before midnight in the day that ends, and starts afresh just after it', async () => {
    const carol = await bed.limitedSender(10_000, [{ period: 'DAY', maxAmount: 500 }]);
    now = new Date('2026-03-14T21:59:59.999Z');
    const late = await carol.send(500);
    expect(late.createdAt).toBe('2026-03-14T21:59:59.999Z');
    expect((await refusalOf(carol.send(1))).code).toBe('LIMIT_EXCEEDED');
    now = new Date('2026-03-14T22:00:00.000Z');
    const early = await carol.send(500);
    expect(early.createdAt).toBe('2026-03-14T22:00:00.000Z');
    expect((await refusalOf(carol.send(1))).details).toMatchObject({ resetsAt: '2026-03-15T22:00:00.000Z' });
  });
});

describe('limits of one transaction type and of all', () => {
  it('holds each posting to the limits of its own type and to those of every type, whichever is tighter', async () => {
    now = new Date('2026-03-20T08:00:00.000Z');
    const dave = await bed.limitedSender(10_000, [
      { period: 'DAY', transactionTypeId: await typeId('TRANSFER'), maxAmount: 300 },
      { period: 'MONTH', maxAmount: 1_000 },
    ]);
    await dave.send(300, 'TRANSFER');
    const overTransfers = await refusalOf(dave.send(1, 'TRANSFER'));
    expect(overTransfers.details).toEqual({
      remainingAmount: 0,
      remainingCount: null,
      resetsAt: '2026-03-20T22:00:00.000Z',
    });
    // Withdrawals are held to the monthly limit of all types only (an admin withdraws; the limit still holds).
    const float = await bed.float();
    const withdraw = (amount: number) =>
      bed.services.ledger.post(bed.admin, posting('WITHDRAWAL', dave.wallet.id, float.id, amount, bed.ref()));
    await withdraw(700);
    const overMonth = await refusalOf(withdraw(1));
    expect(overMonth.details).toEqual({
      remainingAmount: 0,
      remainingCount: null,
      // The first of April in Kigali.
      resetsAt: '2026-03-31T22:00:00.000Z',
    });
    // The next day, transfers may go again under their own limit, but the month is spent.
    now = new Date('2026-03-21T08:00:00.000Z');
    expect((await refusalOf(dave.send(1, 'TRANSFER'))).details).toMatchObject({
      resetsAt: '2026-03-31T22:00:00.000Z',
    });
  });
});

describe('a reversal', () => {
  it('gives the amount and the count back to the period the original was taken from', async () => {
    now = new Date('2026-03-16T10:00:00.000Z');
    const erin = await bed.limitedSender(10_000, [
      { period: 'DAY', maxAmount: 1_000, maxCount: 2 },
      { period: 'MONTH', maxAmount: 1_500 },
    ]);
    const first = await erin.send(800);
    const second = await erin.send(200);
    expect((await refusalOf(erin.send(1))).code).toBe('LIMIT_EXCEEDED');
    await bed.services.ledger.reverse(bed.admin, { id: first.id });
    await erin.send(800);

    // The next day: the day's limit is fresh; the month has 1,500 - 1,000 = 500 left.
    now = new Date('2026-03-17T10:00:00.000Z');
    expect((await refusalOf(erin.send(501))).details).toMatchObject({ remainingAmount: 500 });
    // Yesterday's posting reversed today: the month gets its 200 back, today's count is untouched.
    await bed.services.ledger.reverse(bed.admin, { id: second.id });
    expect((await refusalOf(erin.send(701))).details).toMatchObject({
      remainingAmount: 700,
      remainingCount: 2,
    });
    await erin.send(700);
  });
});

describe('bulk postings against a limit', () => {
  it('not atomic: the items up to the limit post and the rest are refused one by one', async () => {
    now = new Date('2026-03-18T10:00:00.000Z');
    const fay = await bed.limitedSender(10_000, [{ period: 'DAY', maxAmount: 1_000 }]);
    const items = [400, 400, 400, 200].map((amount) =>
      posting('TRANSFER', fay.wallet.id, fay.payee.wallet.id, amount, bed.ref()),
    );
    const answer = await bed.services.ledger.postMany(fay.customer, { atomic: false, transactions: items });
    expect(answer.results.map((r) => r.status)).toEqual([201, 201, 422, 201]);
    expect(answer.results[2]?.data).toEqual({
      code: 'LIMIT_EXCEEDED',
      remainingAmount: 200,
      remainingCount: null,
      resetsAt: '2026-03-18T22:00:00.000Z',
    });
    expect(await bed.balanceOf(fay.wallet.id)).toBe(9_000);
  });

  it('atomic: a limit hit mid-bulk posts nothing and leaves the usage as it was', async () => {
    now = new Date('2026-03-18T10:00:00.000Z');
    const gus = await bed.limitedSender(10_000, [{ period: 'DAY', maxAmount: 1_000 }]);
    const items = [400, 400, 400].map((amount) =>
      posting('TRANSFER', gus.wallet.id, gus.payee.wallet.id, amount, bed.ref()),
    );
    const refused = await refusalOf(
      bed.services.ledger.postMany(gus.customer, { atomic: true, transactions: items }),
    );
    expect(refused.code).toBe('LIMIT_EXCEEDED');
    expect(refused.details).toMatchObject({ index: 2, remainingAmount: 200 });
    expect(await bed.balanceOf(gus.wallet.id)).toBe(10_000);
    // Nothing of the undone bulk was counted: the whole day's 1,000 is still there.
    await gus.send(1_000);
  });
});

describe('the ledger with limits', () => {
  it('stays balanced: verifyLedger finds no problem', async () => {
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
