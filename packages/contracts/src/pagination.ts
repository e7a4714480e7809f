import { z } from 'zod';
import { integerQuery } from './common';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const positiveInt = (max: number) => integerQuery(z.number().int().min(1).max(max));

/**
 * Keyset pagination (`cursor` → `nextCursor`) so page 10,000 costs what page 1 costs; the old
 * `page`/`pageSize` still work (offset) for the legacy frontend.
 */
export const paginationInput = z.object({
  limit: positiveInt(MAX_PAGE_SIZE)
    .meta({ description: `Items per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` })
    .optional(),
  cursor: z
    .string()
    .min(1)
    .max(200)
    .meta({ description: "The previous page's nextCursor: asks for the page after it" })
    .optional(),
  page: positiveInt(1_000_000)
    .meta({ description: 'The old offset paging: the page number, from 1 (with pageSize)' })
    .optional(),
  pageSize: positiveInt(MAX_PAGE_SIZE)
    .meta({ description: `The old offset paging: items per page, 1 to ${MAX_PAGE_SIZE}` })
    .optional(),
});
export type PaginationInput = z.infer<typeof paginationInput>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export type Page<T> = { items: T[]; nextCursor: string | null };
