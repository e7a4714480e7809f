import type { Actor } from '@tekana/contracts';
import type { HoldRow, LockedWallet } from '@tekana/db';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walletId as id, lockedWallet, transferType, walletTypeRow } from '../../test/in-memory-ledger';
import { captureDecision, settleableHold, voidDecision } from './hold-checks';
import { planBatch } from './posting-batch';
import { requestFingerprint } from './request-fingerprint';

// One payer and one payee in memory, placed and settled by the same pure code the server runs.
const payer: Actor = { id: 'payer', role: 'CUSTOMER' };
const personal = walletTypeRow('PERSONAL', false);
const transfer = transferType([personal], 1_000);

/** Wallet 0 is the payer's; wallet 1 the payee's. */
function wallet(n: number, currentBalance: number): LockedWallet {
  const locked = lockedWallet(n, currentBalance, personal);
  return n === 0 ? { ...locked, customerId: payer.id } : locked;
}

type Step =
  | { kind: 'post'; amount: number }
  | { kind: 'hold'; amount: number }
  | { kind: 'capture'; pick: number; amount: number | undefined }
  | { kind: 'void'; pick: number }
  | { kind: 'expire'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('post' as const, 'hold' as const),
    amount: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({
    kind: fc.constant('capture' as const),
    pick: fc.nat(),
    amount: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  }),
  fc.record({ kind: fc.constantFrom('void' as const, 'expire' as const), pick: fc.nat() }),
);

describe('holds, by the pure checks', () => {
  it('never let the payer spend more than is available, and keep held = the pending holds, whatever the order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 }), fc.array(step, { maxLength: 40 }), (opening, steps) => {
        const wallets = new Map([wallet(0, opening), wallet(1, 0)].map((w) => [w.id, w]));
        const debited = wallets.get(id(0)) as LockedWallet;
        const credited = wallets.get(id(1)) as LockedWallet;
        const holds: HoldRow[] = [];
        let key = 0;
        for (const s of steps) {
          if (s.kind === 'post' || s.kind === 'hold') {
            const input = {
              externalReferenceNumber: `k${key++}`,
              transactionTypeCode: 'T',
              channelType: 'APP' as const,
              debitedWalletId: id(0),
              creditedWalletId: id(1),
              amount: s.amount,
              ...(s.kind === 'hold' ? { hold: true } : {}),
            };
            const availableBefore = debited.currentBalance - debited.heldBalance;
            const plan = planBatch(
              [
                {
                  requests: [{ actor: payer, input, requestHash: requestFingerprint(payer, input) }],
                  atomic: false,
                },
              ],
              { transactionTypes: [transfer], wallets, earlier: [] },
              () => `ref-${key}`,
            );
            const outcome = plan.outcomes[0]?.[0];
            if (!outcome) throw new Error('no outcome');
            expect(outcome.ok).toBe(s.amount <= availableBefore);
            if (s.kind === 'hold' && outcome.ok) {
              expect(outcome.posting.status).toBe('PENDING');
              expect(plan.balanceChanges.size).toBe(0);
              expect(plan.notices).toEqual([]);
              const [placed] = plan.holds;
              holds.push({
                ...placed,
                status: 'PENDING',
                capturedAmount: null,
                expiresAt: new Date(0),
                expired: false,
              } as HoldRow);
            }
          } else {
            const hold = holds[s.pick % Math.max(holds.length, 1)];
            if (!hold) continue;
            if (s.kind === 'expire') {
              hold.expired = true;
              continue;
            }
            const availableBefore = debited.currentBalance - debited.heldBalance;
            const decision =
              s.kind === 'capture' ? captureDecision(hold, s.amount, debited, credited) : voidDecision(hold);
            if (decision.kind === 'settle') {
              expect(hold.status).toBe('PENDING');
              expect(hold.expired && s.kind === 'capture').toBe(false);
              expect(decision.amount).toBeLessThanOrEqual(hold.amount);
              // As the service applies it: the captured part moves, the whole hold is released.
              debited.currentBalance -= decision.amount;
              credited.currentBalance += decision.amount;
              debited.heldBalance -= hold.amount;
              hold.status = s.kind === 'capture' ? 'CAPTURED' : 'VOIDED';
              hold.capturedAmount = s.kind === 'capture' ? decision.amount : null;
              expect(debited.currentBalance - debited.heldBalance).toBeGreaterThanOrEqual(availableBefore);
            } else if (decision.kind === 'repeat') {
              expect(hold.status === 'CAPTURED' ? s.kind === 'capture' : hold.status !== 'PENDING').toBe(
                true,
              );
            } else {
              expect(decision.code).toMatch(/^(HOLD_|AMOUNT_OUT_OF_RANGE)/);
            }
          }
          expect(debited.currentBalance).toBeGreaterThanOrEqual(0);
          expect(debited.currentBalance - debited.heldBalance).toBeGreaterThanOrEqual(0);
          const pending = holds.filter((h) => h.status === 'PENDING').reduce((sum, h) => sum + h.amount, 0);
          expect(debited.heldBalance).toBe(pending);
          expect(debited.currentBalance + credited.currentBalance).toBe(opening);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("let only the hold's creator or an admin settle it; the payee is refused, anyone else finds nothing", () => {
    const hold = { transactionId: id(9), createdBy: payer.id } as HoldRow;
    const found = { debitedCustomerId: payer.id, creditedCustomerId: 'payee', hold };
    fc.assert(
      fc.property(fc.constantFrom('payer', 'payee', 'stranger', 'admin'), (who) => {
        const actor: Actor = who === 'admin' ? { id: 'admin', role: 'ADMIN' } : { id: who, role: 'CUSTOMER' };
        const answer = settleableHold(actor, found);
        const expected = { payer: hold, admin: hold, payee: 'FORBIDDEN', stranger: 'NOT_FOUND' }[who];
        expect('code' in answer ? answer.code : answer).toBe(expected);
      }),
    );
  });
});
