import type { Actor, ErrorCode } from '@tekana/contracts';
import { DomainError } from '@tekana/contracts';
import type { LockedWallet } from '@tekana/db';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lockedWallet, transferType, walletId, walletTypeRow } from '../../test/in-memory-ledger';
import { toPostingFields } from './api-rows';
import { type BatchPlan, type PostingGroup, type PostingRequest, planBatch } from './posting-batch';
import { requestFingerprint } from './request-fingerprint';

// Four wallets in memory: three that may not go below 0, and a float that may.
const WALLETS = 4;
const FLOAT = 3;
const MAX_AMOUNT = 1_000;
const admin: Actor = { id: 'admin', role: 'ADMIN' };
const personalType = walletTypeRow('PERSONAL', false);
const floatType = walletTypeRow('FLOAT', true);
const transfer = transferType([personalType, floatType], MAX_AMOUNT);

function lockedWallets(balances: number[]): Map<string, LockedWallet> {
  return new Map(
    balances.map((currentBalance, n) => {
      const wallet =
        n === FLOAT
          ? lockedWallet(n, currentBalance, floatType, 'SYSTEM')
          : lockedWallet(n, currentBalance, personalType);
      return [wallet.id, wallet];
    }),
  );
}

type Ask = { from: number; to: number; amount: number; key: number };
type Case = { opening: number[]; groups: { atomic: boolean; asks: Ask[] }[] };

const ask: fc.Arbitrary<Ask> = fc.record({
  from: fc.integer({ min: 0, max: WALLETS - 1 }),
  to: fc.integer({ min: 0, max: WALLETS - 1 }),
  // Now and then past the type's maximum.
  amount: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 150 }) }, fc.constant(MAX_AMOUNT + 1)),
  // Few keys, so that repeats and conflicts under one key happen often.
  key: fc.integer({ min: 0, max: 11 }),
});
const batchCase: fc.Arbitrary<Case> = fc.record({
  opening: fc.tuple(
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: -500, max: 500 }),
  ),
  groups: fc.array(fc.record({ atomic: fc.boolean(), asks: fc.array(ask, { minLength: 1, maxLength: 4 }) }), {
    minLength: 1,
    maxLength: 8,
  }),
});

function requestOf({ from, to, amount, key }: Ask): PostingRequest {
  const input = {
    externalReferenceNumber: `key-${key}`,
    transactionTypeCode: 'T',
    channelType: 'APP' as const,
    debitedWalletId: walletId(from),
    creditedWalletId: walletId(to),
    amount,
  };
  return { actor: admin, input, requestHash: requestFingerprint(admin, input) };
}

function plan(c: Case): BatchPlan {
  const groups: PostingGroup[] = c.groups.map((g) => ({ atomic: g.atomic, requests: g.asks.map(requestOf) }));
  let n = 0;
  return planBatch(
    groups,
    { transactionTypes: [transfer], wallets: lockedWallets(c.opening), earlier: [] },
    () => `REF${n++}`,
  );
}

type Expected = { code: ErrorCode | 'OK'; balances?: [number, number]; fresh?: boolean };

/** The checks one by one, in arrival order, as the ledger promises them; an atomic group is all or nothing. */
function model(c: Case) {
  let balances = [...c.opening];
  let posted = new Map<number, string>();
  const outcomes: Expected[][] = [];
  for (const group of c.groups) {
    const before = { balances: [...balances], posted: new Map(posted) };
    const answers: Expected[] = [];
    for (const a of group.asks) {
      // Under one key, requests differ only in these.
      const hash = JSON.stringify([a.from, a.to, a.amount]);
      const earlier = posted.get(a.key);
      let answer: Expected;
      if (a.from === a.to) answer = { code: 'SAME_WALLET' };
      else if (earlier !== undefined) answer = { code: earlier === hash ? 'OK' : 'IDEMPOTENCY_CONFLICT' };
      else if (a.amount > MAX_AMOUNT) answer = { code: 'AMOUNT_OUT_OF_RANGE' };
      else if (a.from !== FLOAT && (balances[a.from] ?? 0) < a.amount)
        answer = { code: 'INSUFFICIENT_FUNDS' };
      else {
        balances[a.from] = (balances[a.from] ?? 0) - a.amount;
        balances[a.to] = (balances[a.to] ?? 0) + a.amount;
        posted.set(a.key, hash);
        answer = { code: 'OK', fresh: true, balances: [balances[a.from] ?? 0, balances[a.to] ?? 0] };
      }
      answers.push(answer);
      if (group.atomic && answer.code !== 'OK') {
        balances = before.balances;
        posted = before.posted;
        answers.length = 0;
        for (const _ of group.asks) answers.push({ code: answer.code });
        break;
      }
    }
    outcomes.push(answers);
  }
  return { balances, outcomes };
}

const codeOf = (outcome: BatchPlan['outcomes'][number][number]) =>
  outcome.ok ? 'OK' : outcome.error instanceof DomainError ? outcome.error.code : 'THROWN';

describe('planBatch, against a sequential model', () => {
  it('answers each posting as the postings before it in arrival order left the wallets', () => {
    fc.assert(
      fc.property(batchCase, (c) => {
        const result = plan(c);
        const expected = model(c);
        expect(result.outcomes.map((group) => group.map(codeOf))).toEqual(
          expected.outcomes.map((group) => group.map((e) => e.code)),
        );
        for (const [g, group] of expected.outcomes.entries()) {
          for (const [i, e] of group.entries()) {
            const outcome = result.outcomes[g]?.[i];
            if (!e.balances || !outcome?.ok) continue;
            const { debitedWalletBalance, creditedWalletBalance } = outcome.posting;
            expect([debitedWalletBalance, creditedWalletBalance]).toEqual(e.balances);
          }
        }
        const fresh = expected.outcomes.flat().filter((e) => e.fresh).length;
        expect(result.postings).toHaveLength(fresh);
      }),
      { numRuns: 500 },
    );
  });

  it('never takes a wallet that may not go negative below 0', () => {
    fc.assert(
      fc.property(batchCase, (c) => {
        const { balanceChanges } = plan(c);
        for (const [id, { balance }] of balanceChanges) {
          if (id !== walletId(FLOAT)) expect(balance).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes one net change per wallet whose balance moved, the changes summing to 0', () => {
    fc.assert(
      fc.property(batchCase, (c) => {
        const { balanceChanges } = plan(c);
        const { balances } = model(c);
        const moved = balances.flatMap((b, n) => (b === c.opening[n] ? [] : [walletId(n)]));
        expect([...balanceChanges.keys()].sort()).toEqual(moved);
        for (const [n, b] of balances.entries()) {
          if (!moved.includes(walletId(n))) continue;
          expect(balanceChanges.get(walletId(n))).toEqual({ delta: b - (c.opening[n] ?? 0), balance: b });
        }
        expect([...balanceChanges.values()].reduce((sum, { delta }) => sum + delta, 0)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('folds a hot wallet’s many postings into one balance write', () => {
    const c: Case = {
      opening: [0, 0, 0, 0],
      groups: Array.from({ length: 6 }, (_, i) => ({
        atomic: false,
        asks: [{ from: FLOAT, to: 0, amount: 10, key: i }],
      })),
    };
    const { postings, balanceChanges } = plan(c);
    expect(postings).toHaveLength(6);
    expect(balanceChanges).toEqual(
      new Map([
        [walletId(FLOAT), { delta: -60, balance: -60 }],
        [walletId(0), { delta: 60, balance: 60 }],
      ]),
    );
  });

  it('leaves every balance, key, notice and audit row of a refused atomic group as if it had never come', () => {
    fc.assert(
      fc.property(batchCase, (c) => {
        const whole = plan(c);
        const refused = whole.outcomes.map(
          (group, g) => Boolean(c.groups[g]?.atomic) && group.some((o) => !o.ok),
        );
        fc.pre(refused.some(Boolean));
        for (const [g, group] of whole.outcomes.entries()) {
          if (refused[g]) expect(group.every((o) => !o.ok)).toBe(true);
        }
        const without = plan({ ...c, groups: c.groups.filter((_, g) => !refused[g]) });
        expect(whole.balanceChanges).toEqual(without.balanceChanges);
        expect(whole.postings.map((p) => p.externalReferenceNumber)).toEqual(
          without.postings.map((p) => p.externalReferenceNumber),
        );
        expect(whole.notices.map((n) => n.text.replace(/REF\d+/, ''))).toEqual(
          without.notices.map((n) => n.text.replace(/REF\d+/, '')),
        );
        expect(whole.outcomes.filter((_, g) => !refused[g]).map((group) => group.map(codeOf))).toEqual(
          without.outcomes.map((group) => group.map(codeOf)),
        );
        expect(whole.audits.map((a) => a.after?.externalReferenceNumber)).toEqual(
          without.audits.map((a) => a.after?.externalReferenceNumber),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('audits each new posting of an admin as the posting, and none that is a replay or refused', () => {
    fc.assert(
      fc.property(batchCase, (c) => {
        const { postings, audits } = plan(c);
        expect(audits).toEqual(
          postings.map((p) => ({
            actorId: admin.id,
            actorRole: 'ADMIN',
            action: 'transaction.post',
            entityType: 'transaction',
            entityId: p.id,
            before: null,
            after: toPostingFields(p),
          })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('audits no posting of a customer, beside an admin’s in the same batch', () => {
    const customer: Actor = { id: 'owner-0', role: 'CUSTOMER' };
    const byCustomer = { ...requestOf({ from: 0, to: 1, amount: 10, key: 1 }), actor: customer };
    const byAdmin = requestOf({ from: FLOAT, to: 2, amount: 20, key: 2 });
    const groups = [byCustomer, byAdmin].map((request) => ({ atomic: false, requests: [request] }));
    const { postings, audits } = planBatch(
      groups,
      { transactionTypes: [transfer], wallets: lockedWallets([50, 0, 0, 0]), earlier: [] },
      () => 'REF',
    );
    expect(postings).toHaveLength(2);
    expect(audits.map((a) => a.after?.externalReferenceNumber)).toEqual(['key-2']);
  });
});
