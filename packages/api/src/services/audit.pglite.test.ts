import { createDatabase } from '@tekana/db';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import { createTestbed, outcomeOf, posting } from '../../test/ledger-testbed';

const own = createOwnDataDir('audit');
const database = createDatabase({ dataDir: own.dataDir });

afterAll(async () => {
  await database.close();
  own.remove();
});

describe('the audit log on embedded PGlite', () => {
  it('records admin postings, reversals and status changes, none of a customer or a refusal, and refuses UPDATE and DELETE', async () => {
    const bed = await createTestbed(database);
    expect(database.kind).toBe('embedded');
    const alice = await bed.fundedCustomer(0);
    const bob = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(alice.wallet.id, 500);
    const transfer = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 100, bed.ref()),
    );
    const float = await bed.float();
    const overdraft = posting('WITHDRAWAL', bob.wallet.id, float.id, 101, bed.ref());
    expect(await outcomeOf(bed.services.ledger.post(bed.admin, overdraft))).toBe('INSUFFICIENT_FUNDS');
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: transfer.id });
    const frozen = await bed.services.wallets.setStatus(bed.admin, { id: bob.wallet.id, status: 'INACTIVE' });

    const { items } = await bed.services.audit.list({ actorId: bed.admin.id, limit: 100 });
    // By action: changes within one millisecond share a time, and are then in the order of their ids.
    const byAction = new Map(items.map((r) => [r.action, r]));
    expect(items.map((r) => [r.action, r.entityId]).sort()).toEqual([
      ['transaction.post', deposit.id],
      ['transaction.reverse', transfer.id],
      ['wallet.setStatus', bob.wallet.id],
    ]);
    const statusChange = byAction.get('wallet.setStatus');
    const reversed = byAction.get('transaction.reverse');
    const posted = byAction.get('transaction.post');
    expect(statusChange).toMatchObject({ before: { status: 'ACTIVE' }, after: frozen });
    // Alice was not shown bob's balance; the audit log, for admins, keeps both sides.
    expect(transfer.creditedWalletBalance).toBeNull();
    const transferInFull = { ...transfer, creditedWalletBalance: 100 };
    expect(reversed).toMatchObject({
      before: transferInFull,
      after: { ...transferInFull, status: 'REVERSED', reversal },
    });
    expect(posted).toMatchObject({ actorRole: 'ADMIN', before: null, after: deposit });
    expect(posted?.createdAt).toBe(deposit.createdAt);
    const aboutTransfer = await bed.services.audit.list({ entityId: transfer.id });
    expect(aboutTransfer.items.map((r) => r.action)).toEqual(['transaction.reverse']);

    const id = posted?.id ?? '';
    await expect(
      database.db.execute(sql`update audit_log set action = 'forged' where id = ${id}`),
    ).rejects.toThrow();
    await expect(database.db.execute(sql`delete from audit_log where id = ${id}`)).rejects.toThrow();
    expect((await bed.services.audit.list({ entityId: deposit.id })).items).toEqual([posted]);
  });
});
