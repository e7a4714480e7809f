import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLimitPeriods } from './limit-periods';
import { createLimitUsage, type LimitState, limitRefusal } from './limit-usage';

const DAY_END = new Date('2026-03-14T22:00:00.000Z');
const MONTH_END = new Date('2026-03-31T22:00:00.000Z');

const cap = (max: number) => fc.option(fc.integer({ min: 1, max }), { nil: null });
const limitState: fc.Arbitrary<LimitState> = fc
  .record({
    maxAmount: cap(10_000),
    maxCount: cap(10),
    usedAmount: fc.integer({ min: 0, max: 12_000 }),
    usedCount: fc.integer({ min: 0, max: 12 }),
    resetsAt: fc.constantFrom(DAY_END, MONTH_END),
  })
  .filter((l) => l.maxAmount !== null || l.maxCount !== null);

describe('the limits check of one posting', () => {
  it('refuses exactly when some limit would be passed, and says what is left under all of them', () => {
    fc.assert(
      fc.property(
        fc.array(limitState, { maxLength: 4 }),
        fc.integer({ min: 1, max: 12_000 }),
        (limits, amount) => {
          const refused = limitRefusal(limits, amount);
          const fits = (l: LimitState) =>
            (l.maxAmount === null || l.usedAmount + amount <= l.maxAmount) &&
            (l.maxCount === null || l.usedCount + 1 <= l.maxCount);
          expect(refused === undefined).toBe(limits.every(fits));
          if (!refused) return;
          const amounts = limits.flatMap((l) => (l.maxAmount === null ? [] : [l.maxAmount - l.usedAmount]));
          const counts = limits.flatMap((l) => (l.maxCount === null ? [] : [l.maxCount - l.usedCount]));
          expect(refused.remainingAmount).toBe(amounts.length ? Math.max(0, Math.min(...amounts)) : null);
          expect(refused.remainingCount).toBe(counts.length ? Math.max(0, Math.min(...counts)) : null);
          // The latest reset among the limits it is over: before then, the same posting is refused again.
          const over = limits.filter((l) => !fits(l)).map((l) => l.resetsAt.getTime());
          expect(refused.resetsAt).toBe(new Date(Math.max(...over)).toISOString());
          // Whatever is left fits: a posting of the remaining amount passes the amount caps.
          if (refused.remainingAmount !== null && refused.remainingAmount > 0) {
            const amountOnly = limits.map((l) => ({ ...l, maxCount: null }));
            const withAmountCap = amountOnly.filter((l) => l.maxAmount !== null);
            expect(limitRefusal(withAmountCap, refused.remainingAmount)).toBeUndefined();
          }
        },
      ),
    );
  });
});

describe('the usage of a batch', () => {
  it('never lets the postings it takes pass a cap, and an undone group leaves no trace', () => {
    const periods = createLimitPeriods('Africa/Kigali');
    const windows = periods.windowsAt(new Date('2026-03-14T12:00:00.000Z'));
    const step = fc.record({
      wallet: fc.constantFrom('w1', 'w2'),
      type: fc.constantFrom('t1', 't2'),
      amount: fc.integer({ min: 1, max: 400 }),
      undo: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 0, max: 500 }), (steps, used) => {
        const rows = ['w1', 'w2'].flatMap((walletId) => [
          // Every type by the day; t1 alone by the month, with some usage already.
          {
            walletId,
            limitId: `${walletId}-day`,
            transactionTypeId: null,
            period: 'DAY' as const,
            maxAmount: 1_000,
            maxCount: 5,
            usedAmount: 0,
            usedCount: 0,
          },
          {
            walletId,
            limitId: `${walletId}-month`,
            transactionTypeId: 't1',
            period: 'MONTH' as const,
            maxAmount: 1_500,
            maxCount: null,
            usedAmount: used,
            usedCount: 1,
          },
        ]);
        const usage = createLimitUsage(rows, windows);
        const taken = new Map<string, { amount: number; count: number }>();
        for (const { wallet, type, amount, undo } of steps) {
          const mark = usage.mark();
          if (usage.refusal(wallet, type, amount)) continue;
          usage.take(wallet, type, amount);
          if (undo) {
            usage.undo(mark);
            continue;
          }
          for (const limitId of [`${wallet}-day`, ...(type === 't1' ? [`${wallet}-month`] : [])]) {
            const t = taken.get(limitId) ?? { amount: 0, count: 0 };
            taken.set(limitId, { amount: t.amount + amount, count: t.count + 1 });
          }
        }
        const changes = usage.changes();
        expect(new Map(changes.map((c) => [c.limitId, { amount: c.amount, count: c.count }]))).toEqual(taken);
        for (const c of changes) {
          const row = rows.find((r) => r.limitId === c.limitId);
          if (!row) throw new Error('a change of no limit');
          expect(row.usedAmount + c.amount).toBeLessThanOrEqual(row.maxAmount);
          if (row.maxCount !== null) expect(row.usedCount + c.count).toBeLessThanOrEqual(row.maxCount);
          expect(c.periodStart).toEqual(windows[row.period].start);
        }
      }),
    );
  });
});

describe('days and months in a time zone', () => {
  it.each([
    ['Africa/Kigali', '2026-03-14T21:59:59.999Z', '2026-03-13T22:00:00.000Z', '2026-03-14T22:00:00.000Z'],
    ['Africa/Kigali', '2026-03-14T22:00:00.000Z', '2026-03-14T22:00:00.000Z', '2026-03-15T22:00:00.000Z'],
    // Clocks forward at midnight: 4 November 2018 began at 01:00 in São Paulo.
    ['America/Sao_Paulo', '2018-11-04T12:00:00.000Z', '2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z'],
    ['Europe/London', '2026-10-25T12:00:00.000Z', '2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    // Samoa skipped 30 December 2011: the 29th ended where the 31st began.
    ['Pacific/Apia', '2011-12-29T12:00:00.000Z', '2011-12-29T10:00:00.000Z', '2011-12-30T10:00:00.000Z'],
  ])('in %s, the day of %s runs from %s to %s', (zone, at, start, end) => {
    const window = createLimitPeriods(zone).windowOf('DAY', new Date(at));
    expect([window.start.toISOString(), window.end.toISOString()]).toEqual([start, end]);
  });

  it('gives every instant a day and a month that hold it, each starting at a local midnight', () => {
    const zones = [
      'Africa/Kigali',
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        (zone, at) => {
          const periods = createLimitPeriods(zone);
          const local = new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short' });
          for (const period of ['DAY', 'MONTH'] as const) {
            const { start, end } = periods.windowOf(period, at);
            expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
            expect(at.getTime()).toBeLessThan(end.getTime());
            // The instant before the start is another local date; the start and `at` share the period's.
            expect(local.format(new Date(start.getTime() - 1))).not.toBe(local.format(start));
            const [startDate, atDate] = [local.format(start), local.format(at)];
            expect(period === 'DAY' ? startDate : startDate.slice(0, 7)).toBe(
              period === 'DAY' ? atDate : `${atDate.slice(0, 7)}`,
            );
            if (period === 'MONTH') expect(startDate.slice(8)).toBe('01');
          }
        },
      ),
    );
  });
});
