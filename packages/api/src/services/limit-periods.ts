import type { LimitPeriod } from '@tekana/contracts';

/**
 * Calendar days and months in one IANA time zone (LIMITS_TIME_ZONE), with Intl alone: where each period
 * starts and where the next one does, for any zone, daylight saving time included.
 */

/** A period that holds an instant: it starts at `start` and the next one starts at `end` (its resetsAt). */
export type PeriodWindow = { start: Date; end: Date };

type LocalDate = { year: number; month: number; day: number };

const HOUR = 3_600_000;

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** The zone's wall clock at `ms`, as the UTC instant that shows the same fields (to the second). */
function wallClock(format: Intl.DateTimeFormat, ms: number): number {
  const parts: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(ms)) parts[type] = Number(value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function localDateOf(format: Intl.DateTimeFormat, ms: number): LocalDate {
  const wall = new Date(wallClock(format, ms));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

const dayNumber = (d: LocalDate) => Date.UTC(d.year, d.month - 1, d.day);

/** The first instant whose local date is `date`; a day or month past the end rolls over, as in Date.UTC. */
function startOfLocalDate(format: Intl.DateTimeFormat, date: LocalDate): number {
  const target = dayNumber(date);
  const midnightAsUtc = Date.UTC(date.year, date.month - 1, date.day);
  const offsetAt = (ms: number) => wallClock(format, ms) - Math.floor(ms / 1000) * 1000;
  // Twice: the offset at local midnight may differ from the offset at UTC midnight.
  let start = midnightAsUtc - offsetAt(midnightAsUtc);
  start = midnightAsUtc - offsetAt(start);
  const dayAt = (ms: number) => dayNumber(localDateOf(format, ms));
  if (dayAt(start) === target && dayAt(start - 1) < target) return start;
  // A zone whose clocks skip or repeat midnight: the day starts at the change, found by bisection (to the ms).
  // Offsets run from UTC-12 to UTC+14, so the day starts within 15 hours of midnight UTC.
  let [low, high] = [midnightAsUtc - 15 * HOUR, midnightAsUtc + 15 * HOUR];
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (dayAt(middle) >= target) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The periods of one zone. The window of each period is kept until an instant falls outside it, so that a
 * batch pays for Intl only when a day or month has turned.
 */
export function createLimitPeriods(timeZone: string) {
  const format = formatterOf(timeZone);
  const latest = new Map<LimitPeriod, PeriodWindow>();

  function compute(period: LimitPeriod, at: Date): PeriodWindow {
    const { year, month, day } = localDateOf(format, at.getTime());
    const [first, next] =
      period === 'DAY'
        ? [
            { year, month, day },
            { year, month, day: day + 1 },
          ]
        : [
            { year, month, day: 1 },
            { year, month: month + 1, day: 1 },
          ];
    return {
      start: new Date(startOfLocalDate(format, first)),
      end: new Date(startOfLocalDate(format, next)),
    };
  }

  /** The period of this kind that holds `at`. */
  function windowOf(period: LimitPeriod, at: Date): PeriodWindow {
    const cached = latest.get(period);
    if (cached && cached.start <= at && at < cached.end) return cached;
    const window = compute(period, at);
    latest.set(period, window);
    return window;
  }

  return {
    windowOf,
    /** The day and the month that hold `at`. */
    windowsAt: (at: Date): Record<LimitPeriod, PeriodWindow> => ({
      DAY: windowOf('DAY', at),
      MONTH: windowOf('MONTH', at),
    }),
  };
}

export type LimitPeriods = ReturnType<typeof createLimitPeriods>;
