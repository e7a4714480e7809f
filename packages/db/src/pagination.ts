import { DEFAULT_PAGE_SIZE, DomainError, type Page, type PaginationInput } from '@tekana/contracts';
import { and, desc, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** Every list is newest first on (created_at, id); created_at has millisecond precision so a cursor is exact. */
export type KeysetColumns = { createdAt: PgColumn; id: PgColumn };
type Keyed = { createdAt: Date; id: string };

export function encodeCursor(row: Keyed): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeCursor(cursor: string): Keyed {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new DomainError('BAD_REQUEST', 'cursor is not one this server gave out');
  }
  return { createdAt, id };
}

/** What one page asks of its query: the filters and the keyset, the order, and how many rows. */
export type PageQueryShape = { where: SQL | undefined; orderBy: SQL[]; limit: number; offset: number };
export type PageQuery<T> = (q: PageQueryShape) => Promise<T[]>;

/**
 * One page of a list: keyset on `cursor` (page 10,000 costs what page 1 costs), or the old
 * `page`/`pageSize` as an offset for the legacy frontend. Fetches one extra row to know if more follow.
 */
export async function listPage<T extends Keyed>(
  input: PaginationInput,
  columns: KeysetColumns,
  filters: (SQL | undefined)[],
  run: PageQuery<T>,
): Promise<Page<T>> {
  const limit = input.limit ?? input.pageSize ?? DEFAULT_PAGE_SIZE;
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const keyset = after
    ? sql`(${columns.createdAt}, ${columns.id}) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`
    : undefined;
  const offset = !after && input.page ? (input.page - 1) * limit : 0;
  const rows = await run({
    where: and(...filters, keyset),
    orderBy: [desc(columns.createdAt), desc(columns.id)],
    limit: limit + 1,
    offset,
  });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
