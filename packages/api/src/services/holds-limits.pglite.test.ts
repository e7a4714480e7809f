import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import { createTestbed, outcomeOf } from '../../test/ledger-testbed';

const own = createOwnDataDir('holds-limits');
const database = createDatabase({ dataDir: own.dataDir });

afterAll(async () => {
  await database.close();
  own.remove();
});

describe('holds under limits per period on embedded PGlite', () => {
  it('give back on void, expiry and partial capture, to the day they were placed in, and verify clean', async () => {
    // 23:30 in Kigali: the holds are placed on 14 March, released on the 15th.
    let now = new Date('2026-03-14T21:30:00.000Z');
    const bed = await createTestbed(database, { clock: { now: () => now } });
    expect(database.kind).toBe('embedded');
    const alice = await bed.limitedSender(5_000, [{ period: 'DAY', maxAmount: 1_000, maxCount: 3 }]);
    const { send, hold } = alice;

    const voided = await hold(300);
    const expiring = await hold(200, 1);
    const captured = await hold(400);
    expect(await outcomeOf(send(101))).toBe('LIMIT_EXCEEDED');

    now = new Date('2026-03-14T22:30:00.000Z');
    await bed.services.holds.void(alice.customer, { id: voided.id });
    await bed.services.holds.capture(alice.customer, { id: captured.id, amount: 150 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    while ((await bed.services.holds.expireDue(100)) === 100) {}
    expect((await bed.services.transactions.list(bed.admin, { id: expiring.id })).items[0]).toMatchObject({
      status: 'CANCELLED',
    });

    // Back on the 14th: only the 150 captured and its count are left standing there, so two of these fit,
    // and then the count is used up.
    now = new Date('2026-03-14T21:45:00.000Z');
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => outcomeOf(send(400))));
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(2);
    expect(await outcomeOf(send(1))).toBe('LIMIT_EXCEEDED');
    expect(await bed.balanceOf(alice.wallet.id)).toBe(5_000 - 150 - 800);
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
