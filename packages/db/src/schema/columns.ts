import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** Money in integer minor units, read as a JS number (balances stay within Number.MAX_SAFE_INTEGER). */
export const money = (name: string) => bigint(name, { mode: 'number' });

/** An instant to the millisecond, as the API's ISO times carry it. */
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** When the row was written. */
export const createdAt = () => instant('created_at').notNull().defaultNow();
