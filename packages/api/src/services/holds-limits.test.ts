import type { LimitSetInput } from '@tekana/contracts';
import { createDatabase, type Database, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDatabase, type OwnDatabase } from '../../../../test/own-database';
import { createTestbed, outcomeOf, refusalOf, type Testbed } from '../../test/ledger-testbed';

// A database of this file's own: an expired hold keeps its count until this file's sweep, which the hold
// sweepers of other files' servers, on a shared database, could run first.
let own: OwnDatabase;
let database: Database;
let bed: Testbed;
// The ledger's clock, moved by the tests: a day in Kigali (UTC+2) ends at 22:00 UTC. In the past, so that
// these postings never come first in another test's newest-first list. A hold's expiry runs on the
// database's clock, whatever this one says.
let now = new Date('2026-04-07T10:00:00.000Z');

beforeAll(async () => {
  own = await createOwnDatabase({ label: 'holds_limits' });
  database = createDatabase({ databaseUrl: own.url, dataDir: '' });
  bed = await createTestbed(database, { clock: { now: () => now } });
});
afterAll(async () => {
  await database?.close();
  await own?.drop();
});

const DAY_LIMIT: Omit<LimitSetInput, 'walletTypeId'> = { period: 'DAY', maxAmount: 1_000, maxCount: 3 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sender well funded, with `limits` on its own wallet type, and what it may still send under them. */
async function limitedSender(limits: Omit<LimitSetInput, 'walletTypeId'>[] = [DAY_LIMIT]) {
  const sender = await bed.limitedSender(1_000_000, limits);
  return {
    ...sender,
    /** What the sender may still send now, read from the refusal of a posting over every limit. */
    async room() {
      const refused = await refusalOf(bed.services.ledger.post(sender.customer, sender.input(99_999)));
      if (refused.code !== 'LIMIT_EXCEEDED') throw new Error(`expected LIMIT_EXCEEDED, got ${refused.code}`);
      const { remainingAmount, remainingCount } = refused.details as Record<string, unknown>;
      return { remainingAmount, remainingCount };
    },
  };
}

/** Sweeps until no due hold is left (other tests' holds may be due too). */
async function sweepAll() {
  while ((await bed.services.holds.expireDue(100)) === 100) {}
}

describe('a hold under a daily limit', () => {
  it('counts when placed: a hold of 600 leaves 400 and two postings', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const alice = await limitedSender();
    await alice.hold(600);
    expect(await alice.room()).toEqual({ remainingAmount: 400, remainingCount: 2 });
  });

  it('voided, gives its 600 and its count back: a posting of 1,000 then goes through', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const bob = await limitedSender();
    const hold = await bob.hold(600);
    await bed.services.holds.void(bob.customer, { id: hold.id });
    expect(await bob.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
    await bob.send(1_000);
    // A second void answers the same posting and gives nothing back twice.
    await bed.services.holds.void(bob.customer, { id: hold.id });
    expect(await bob.room()).toEqual({ remainingAmount: 0, remainingCount: 2 });
  });

  it('expired and swept, gives its 600 and its count back', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const carol = await limitedSender();
    const hold = await carol.hold(600, 1);
    await sleep(1_100);
    // Refused for capture at once, but what it counted stays taken until the sweep voids it.
    expect(await outcomeOf(bed.services.holds.capture(carol.customer, { id: hold.id }))).toBe('HOLD_EXPIRED');
    expect(await carol.room()).toEqual({ remainingAmount: 400, remainingCount: 2 });
    await sweepAll();
    expect(await carol.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
    await carol.send(1_000);
  });

  it('captured in part (250 of 600), gives back the 350 not captured and keeps its count', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const dave = await limitedSender();
    const hold = await dave.hold(600);
    await bed.services.holds.capture(dave.customer, { id: hold.id, amount: 250 });
    expect(await dave.room()).toEqual({ remainingAmount: 750, remainingCount: 2 });
    await dave.send(750);
  });

  it('captured in full, changes nothing; reversed, gives everything back', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const erin = await limitedSender();
    const hold = await erin.hold(600);
    await bed.services.holds.capture(erin.customer, { id: hold.id });
    expect(await erin.room()).toEqual({ remainingAmount: 400, remainingCount: 2 });
    await bed.services.ledger.reverse(bed.admin, { id: hold.id });
    expect(await erin.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
  });

  it('captured in part and then reversed, gives back the whole hold and its count, once each', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const fay = await limitedSender();
    const hold = await fay.hold(600);
    await bed.services.holds.capture(fay.customer, { id: hold.id, amount: 250 });
    await bed.services.ledger.reverse(bed.admin, { id: hold.id });
    expect(await fay.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
  });

  it('is not checked against the limits again when captured, even under a cap lowered since', async () => {
    now = new Date('2026-04-07T10:00:00.000Z');
    const gus = await limitedSender();
    const hold = await gus.hold(600);
    await bed.services.periodLimits.set(bed.admin, {
      ...DAY_LIMIT,
      walletTypeId: gus.walletType.id,
      maxAmount: 100,
    });
    expect(await bed.services.holds.capture(gus.customer, { id: hold.id })).toMatchObject({
      status: 'COMPLETED',
      amount: 600,
    });
    expect(await gus.room()).toEqual({ remainingAmount: 0, remainingCount: 2 });
  });
});

describe('a hold released on another day than it was placed', () => {
  it('gives back to the day and month it was counted in, not to the day it is voided on', async () => {
    // 23:30 in Kigali on 30 April: the last half hour of the day and of the month.
    now = new Date('2026-04-30T21:30:00.000Z');
    const hana = await limitedSender([DAY_LIMIT, { period: 'MONTH', maxAmount: 5_000 }]);
    const hold = await hana.hold(600);
    await hana.send(400);
    expect(await hana.room()).toEqual({ remainingAmount: 0, remainingCount: 1 });

    // 00:30 on 1 May: a new day and month, of which 900 are used before the void.
    now = new Date('2026-04-30T22:30:00.000Z');
    await hana.send(900);
    await bed.services.holds.void(hana.customer, { id: hold.id });
    // Today's counters are untouched by it.
    expect(await hana.room()).toEqual({ remainingAmount: 100, remainingCount: 2 });

    // Back on 30 April (the clock is the test's), the 600 and the count are there again.
    now = new Date('2026-04-30T21:45:00.000Z');
    expect(await hana.room()).toEqual({ remainingAmount: 600, remainingCount: 2 });
    await hana.send(600);
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('a partial capture after midnight gives the rest back to the day of the hold', async () => {
    now = new Date('2026-04-30T21:30:00.000Z');
    const ivan = await limitedSender();
    const hold = await ivan.hold(600);
    now = new Date('2026-04-30T22:30:00.000Z');
    await bed.services.holds.capture(ivan.customer, { id: hold.id, amount: 100 });
    expect(await ivan.room()).toEqual({ remainingAmount: 1_000, remainingCount: 3 });
    now = new Date('2026-04-30T21:45:00.000Z');
    expect(await ivan.room()).toEqual({ remainingAmount: 900, remainingCount: 2 });
  });
});

describe('holds released together by the sweep', () => {
  it('gives each back, several of one wallet in one round', async () => {
    now = new Date('2026-04-08T10:00:00.000Z');
    const jane = await limitedSender([{ period: 'DAY', maxAmount: 1_000, maxCount: 5 }]);
    await Promise.all([jane.hold(200, 1), jane.hold(300, 1), jane.hold(100, 1)]);
    await jane.hold(150);
    expect(await jane.room()).toEqual({ remainingAmount: 250, remainingCount: 1 });
    await sleep(1_100);
    await sweepAll();
    expect(await jane.room()).toEqual({ remainingAmount: 850, remainingCount: 4 });
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
