import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import { createTestbed, outcomeOf, posting } from '../../test/ledger-testbed';

const own = createOwnDataDir('holds');
const database = createDatabase({ dataDir: own.dataDir });

afterAll(async () => {
  await database.close();
  own.remove();
});

describe('holds on embedded PGlite', () => {
  it('places, captures in part, voids and expires holds, and verifies clean', async () => {
    const bed = await createTestbed(database);
    expect(database.kind).toBe('embedded');
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const hold = (amount: number, expiresInSeconds = 600) =>
      bed.services.ledger.post(alice.customer, {
        ...posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
        hold: true,
        expiresInSeconds,
      });
    const [first, second, third] = await Promise.all([hold(400), hold(300), hold(200, 1)]);
    if (!first || !second || !third) throw new Error('no holds');
    expect(await outcomeOf(hold(101))).toBe('INSUFFICIENT_FUNDS');
    expect(await bed.services.wallets.get(alice.customer, alice.wallet.id)).toMatchObject({
      currentBalance: 1_000,
      availableBalance: 100,
    });
    await bed.services.holds.capture(alice.customer, { id: first.id, amount: 150 });
    await bed.services.holds.void(alice.customer, { id: second.id });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await outcomeOf(bed.services.holds.capture(alice.customer, { id: third.id }))).toBe(
      'HOLD_EXPIRED',
    );
    expect(await bed.services.holds.expireDue(100)).toBe(1);
    expect(await bed.services.wallets.get(alice.customer, alice.wallet.id)).toMatchObject({
      currentBalance: 850,
      availableBalance: 850,
    });
    expect(await bed.balanceOf(bob.wallet.id)).toBe(150);
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
