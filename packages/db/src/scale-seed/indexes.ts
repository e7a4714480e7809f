import type { TransactionSql } from 'postgres';

/** An index or constraint of the seeded tables, as the database itself writes its definition. */
export type SavedIndex = {
  table: string;
  name: string;
  kind: 'key' | 'index' | 'foreign key';
  definition: string;
};

const SEEDED_TABLES = ['customers', 'wallets', 'transactions', 'posting_keys'];

/**
 * Every primary key, unique constraint, index and foreign key on the seeded tables (and foreign keys
 * into them), read from the catalog: what drizzle's migrations made, whatever they become, is restored
 * exactly, under the same names. On the partitioned `transactions` these are its own (partitioned) ones:
 * dropping one drops every month's, and making it again makes every month's.
 */
export async function saveIndexes(tx: TransactionSql): Promise<SavedIndex[]> {
  const constraints = await tx<{ table: string; name: string; type: string; definition: string }[]>`
    select c.conrelid::regclass::text as table, c.conname as name, c.contype as type,
      pg_get_constraintdef(c.oid) as definition
    from pg_constraint c
    where c.contype in ('p', 'u', 'f')
      -- A month's copy of a partitioned table's constraint comes and goes with it.
      and c.conparentid = 0
      and (c.conrelid = any(${SEEDED_TABLES}::regclass[]) or c.confrelid = any(${SEEDED_TABLES}::regclass[]))
    order by c.conname`;
  const indexes = await tx<{ table: string; name: string; definition: string }[]>`
    select i.indrelid::regclass::text as table, i.indexrelid::regclass::text as name,
      pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    where i.indrelid = any(${SEEDED_TABLES}::regclass[])
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.contype in ('p', 'u'))
    order by 2`;
  return [
    ...constraints.map((c) => ({
      table: c.table,
      name: c.name,
      kind: c.type === 'f' ? ('foreign key' as const) : ('key' as const),
      definition: c.definition,
    })),
    ...indexes.map((i) => ({ ...i, kind: 'index' as const })),
  ];
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Foreign keys first (they hold on to the keys they point at), then keys, then the other indexes. */
export async function dropIndexes(tx: TransactionSql, saved: SavedIndex[]): Promise<void> {
  for (const kind of ['foreign key', 'key', 'index'] as const) {
    for (const s of saved.filter((i) => i.kind === kind)) {
      await tx.unsafe(
        kind === 'index' ? `drop index ${s.name}` : `alter table ${s.table} drop constraint ${quote(s.name)}`,
      );
    }
  }
}

/** The reverse order: keys, then indexes, then foreign keys (each checked over the loaded rows). */
export function restoreOrder(saved: SavedIndex[]): SavedIndex[] {
  const rank = { key: 0, index: 1, 'foreign key': 2 };
  return [...saved].sort((a, b) => rank[a.kind] - rank[b.kind]);
}

export async function restoreIndex(tx: TransactionSql, s: SavedIndex): Promise<void> {
  await tx.unsafe(
    s.kind === 'index'
      ? // A partitioned index is written `ON ONLY` (its partitions' indexes are attached one by one): made
        // whole here, on the parent and every partition at once.
        s.definition.replace(/ ON ONLY /, ' ON ')
      : `alter table ${s.table} add constraint ${quote(s.name)} ${s.definition}`,
  );
}
