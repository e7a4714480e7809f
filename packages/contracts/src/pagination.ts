import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const positiveInt = (max: number) =>
  z
    .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().min(1).max(max));

/**
 * Keyset pagination (`cursor` → `nextCursor`) so page 10,000 costs what page 1 costs; the old
 * `page`/`pageSize` still work (offset) for the legacy frontend.
 */
export const paginationInput = z.object({
  limit: positiveInt(MAX_PAGE_SIZE).optional(),
  cursor: z.string().min(1).max(200).optional(),
  page: positiveInt(1_000_000).optional(),
  pageSize: positiveInt(MAX_PAGE_SIZE).optional(),
});
export type PaginationInput = z.infer<typeof paginationInput>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export type Page<T> = { items: T[]; nextCursor: string | null };
