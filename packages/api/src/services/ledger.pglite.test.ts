import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import { createTestbed, outcomeOf, posting } from '../../test/ledger-testbed';

const own = createOwnDataDir('ledger');
const database = createDatabase({ dataDir: own.dataDir });

afterAll(async () => {
  await database.close();
  own.remove();
});

describe('the ledger on embedded PGlite', () => {
  it('posts a deposit and a transfer, refuses an overdraft, and verifies clean', async () => {
    const bed = await createTestbed(database);
    expect(database.kind).toBe('embedded');
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const transfer = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 400, bed.ref());
    // One connection: concurrent postings queue, and copies of one request still post once.
    const answers = await Promise.all(
      [1, 2, 3].map(() => bed.services.ledger.post(alice.customer, transfer)),
    );
    expect(new Set(answers.map((t) => t.id)).size).toBe(1);
    expect(answers[0]).toMatchObject({ debitedWalletBalance: 600, creditedWalletBalance: null });
    const overdraft = posting('TRANSFER', alice.wallet.id, bob.wallet.id, 601, bed.ref());
    expect(await outcomeOf(bed.services.ledger.post(alice.customer, overdraft))).toBe('INSUFFICIENT_FUNDS');
    await bed.services.ledger.reverse(bed.admin, { id: answers[0]?.id ?? '' });
    expect(await bed.balanceOf(alice.wallet.id)).toBe(1_000);
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
