import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatementLine, WalletStatementInput } from '@tekana/contracts';
import { createDatabase, verifyLedger } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

const dataDir = mkdtempSync(join(tmpdir(), 'tekana-statements-'));
const database = createDatabase({ dataDir });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
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
});
