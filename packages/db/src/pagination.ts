import { DEFAULT_PAGE_SIZE, DomainError, type Page, type PaginationInput } from '@tekana/contracts';
import { and, desc, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgSelect } from 'drizzle-orm/pg-core';

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

/** The rows a list pages through: `select ... from ...` with any joins, neither filtered nor ordered yet. */
export type ListSource<Q extends PgSelect> = { $dynamic(): Q };

/** What one page asks of its query: the filters and the keyset, the order, and how many rows. */
export type PageQueryShape = { where: SQL | undefined; orderBy: SQL[]; limit: number; offset: number };
export type PageQuery<T> = (q: PageQueryShape) => Promise<T[]>;

/**
 * One page of a list, newest first: keyset on `cursor` (page 10,000 costs what page 1 costs), or the
 * old `page`/`pageSize` as an offset for the legacy frontend. Fetches one extra row to know if more
 * follow. A list is its source, its filters (undefined ones count for nothing) and how a row is shown.
 */
export async function listPage<Q extends PgSelect & PromiseLike<Keyed[]>, Item>(
  input: PaginationInput,
  list: {
    from: ListSource<Q>;
    keyset: KeysetColumns;
    filters: (SQL | undefined)[];
    toItem: (row: Awaited<Q>[number]) => Item;
    /**
     * Runs the page itself, for a list one select over `from` cannot serve in order from an index (a
     * wallet's postings: the union of its debits and its credits, each from its own index).
     */
    query?: PageQuery<Awaited<Q>[number]>;
  },
): Promise<Page<Item>> {
  const { keyset } = list;
  const limit = input.limit ?? input.pageSize ?? DEFAULT_PAGE_SIZE;
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  const cursorCondition = after
    ? sql`(${keyset.createdAt}, ${keyset.id}) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`
    : undefined;
  const offset = !after && input.page ? (input.page - 1) * limit : 0;
  const shape: PageQueryShape = {
    where: and(...list.filters, cursorCondition),
    orderBy: [desc(keyset.createdAt), desc(keyset.id)],
    limit: limit + 1,
    offset,
  };
  const rows = list.query
    ? await list.query(shape)
    : await list.from
        .$dynamic()
        .where(shape.where)
        .orderBy(...shape.orderBy)
        .limit(shape.limit)
        .offset(shape.offset);
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    items: shown.map(list.toItem),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
