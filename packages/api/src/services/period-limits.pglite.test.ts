import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import { createTestbed, outcomeOf } from '../../test/ledger-testbed';

const own = createOwnDataDir('limits');
const database = createDatabase({ dataDir: own.dataDir });

afterAll(async () => {
  await database.close();
  own.remove();
});

describe('limits per period on embedded PGlite', () => {
  it('lets concurrent postings through up to the daily limit, gives a reversal back, and verifies clean', async () => {
    let now = new Date('2026-03-14T12:00:00.000Z');
    const bed = await createTestbed(database, { clock: { now: () => now } });
    expect(database.kind).toBe('embedded');
    const alice = await bed.limitedSender(5_000, [{ period: 'DAY', maxAmount: 1_000 }]);
    const { send } = alice;
    // One connection: the 20 postings queue, and exactly the four that fit go through.
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => outcomeOf(send(250))));
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'LIMIT_EXCEEDED')).toHaveLength(16);

    const [first] = (await bed.services.transactions.list(bed.admin, { debitedWalletId: alice.wallet.id }))
      .items;
    await bed.services.ledger.reverse(bed.admin, { id: first?.id ?? '' });
    await send(250);
    expect(await outcomeOf(send(1))).toBe('LIMIT_EXCEEDED');
    now = new Date('2026-03-14T22:00:00.000Z');
    await send(1_000);
    expect(await bed.balanceOf(alice.wallet.id)).toBe(5_000 - 2_000);
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
