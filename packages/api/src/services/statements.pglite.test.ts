import type { StatementLine, WalletStatementInput } from '@tekana/contracts';
import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOwnDataDir } from '../../../../test/own-database';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

const own = createOwnDataDir('statements');
const database = createDatabase({ dataDir: own.dataDir });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
  own.remove();
});

const ever = (id: string): WalletStatementInput => ({
  id,
  from: new Date('2000-01-01T00:00:00Z'),
  to: new Date('2100-01-01T00:00:00Z'),
});

describe('payments by account number and statements on embedded PGlite', () => {
  it('pays an account number, and states opening, closing and totals over postings committed together', async () => {
    expect(database.kind).toBe('embedded');
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const { creditedWalletId: _, ...toBob } = posting(
      'TRANSFER',
      alice.wallet.id,
      bob.wallet.id,
      100,
      bed.ref(),
    );
    const paid = await bed.services.ledger.post(alice.customer, {
      ...toBob,
      creditedAccountNumber: bob.wallet.accountNumber,
    });
    expect(paid.creditedWalletId).toBe(bob.wallet.id);
    const nobody = { ...toBob, externalReferenceNumber: bed.ref(), creditedAccountNumber: '000000000000' };
    expect(await outcomeOf(bed.services.ledger.post(alice.customer, nobody))).toBe('NOT_FOUND');

    // Submitted together, these share a batch and so an instant: the statement must still add up.
    const together = await Promise.all(
      [10, 20, 30].map((amount) =>
        bed.services.ledger.post(
          alice.customer,
          posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
        ),
      ),
    );
    const whole = await bed.services.statements.statement(alice.customer, ever(alice.wallet.id));
    expect(whole).toMatchObject({
      openingBalance: 0,
      totalDebits: 160,
      totalCredits: 1_000,
      closingBalance: 840,
    });
    const from = new Date(together[0]?.createdAt ?? '');
    const later = await bed.services.statements.statement(alice.customer, { ...ever(alice.wallet.id), from });
    expect(later.openingBalance).toBe(900);
    expect(later.closingBalance).toBe(840);
    expect(later.lines.map((l) => l.debit).sort()).toEqual([10, 20, 30]);

    const { wallet, pages } = await bed.services.statements.allLines(alice.customer, ever(alice.wallet.id));
    expect(wallet.id).toBe(alice.wallet.id);
    const lines: StatementLine[] = [];
    for await (const page of pages) lines.push(...page);
    expect(lines).toEqual(whole.lines);
    expect(await outcomeOf(bed.services.statements.statement(bob.customer, ever(alice.wallet.id)))).toBe(
      'NOT_FOUND',
    );
    expect(await verifyLedger(database.db)).toEqual([]);
  });

  it('counts a hold captured after a later posting at the time it was placed, and no voided or pending hold', async () => {
    const alice = await bed.fundedCustomer(1_000);
    const bob = await bed.fundedCustomer(0);
    const toBob = (amount: number, hold = false) =>
      bed.services.ledger.post(alice.customer, {
        ...posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
        hold,
      });
    const placed = await toBob(400, true);
    // Not in the same millisecond: the period that starts just after the hold must leave it out.
    await new Promise((resolve) => setTimeout(resolve, 3));
    const between = await toBob(100);
    const voided = await toBob(50, true);
    await toBob(30, true);
    await bed.services.holds.void(alice.customer, { id: voided.id });
    const captured = await bed.services.holds.capture(alice.customer, { id: placed.id, amount: 250 });

    const whole = await bed.services.statements.statement(alice.customer, ever(alice.wallet.id));
    expect(whole).toMatchObject({
      openingBalance: 0,
      totalDebits: 350,
      totalCredits: 1_000,
      closingBalance: 650,
    });
    expect(whole.lines.map((l) => [l.transactionId, l.balance]).slice(1)).toEqual([
      [captured.id, 750],
      [between.id, 650],
    ]);
    const afterHold = new Date(new Date(captured.createdAt).getTime() + 1);
    const later = await bed.services.statements.statement(alice.customer, {
      ...ever(alice.wallet.id),
      from: afterHold,
      limit: 1,
    });
    expect(later).toMatchObject({ openingBalance: 750, closingBalance: 650, nextCursor: null });
    expect(later.lines.map((l) => [l.transactionId, l.balance])).toEqual([[between.id, 650]]);
    const second = await bed.services.statements.statement(alice.customer, {
      ...ever(alice.wallet.id),
      limit: 2,
      cursor:
        (await bed.services.statements.statement(alice.customer, { ...ever(alice.wallet.id), limit: 2 }))
          .nextCursor ?? '',
    });
    expect(second.lines.map((l) => l.balance)).toEqual([650]);
    const { pages } = await bed.services.statements.allLines(alice.customer, ever(alice.wallet.id));
    const lines: StatementLine[] = [];
    for await (const page of pages) lines.push(...page);
    expect(lines).toEqual(whole.lines);
    expect(await verifyLedger(database.db)).toEqual([]);
  });
});
