/** A node of a Postgres plan as `EXPLAIN (FORMAT JSON)` gives it. */
export type PlanNode = Record<string, unknown>;

/** Every node of a plan, depth first. */
export function nodesOf(plan: unknown): PlanNode[] {
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as PlanNode;
  const below = Object.values(node).flatMap((v) => (Array.isArray(v) ? v.flatMap(nodesOf) : nodesOf(v)));
  return 'Node Type' in node ? [node, ...below] : below;
}

/** The relations a plan reads whole. */
export function relationsScanned(plan: unknown): string[] {
  return nodesOf(plan)
    .filter((node) => node['Node Type'] === 'Seq Scan')
    .map((node) => String(node['Relation Name']));
}

/** The table a relation belongs to: a month of `transactions` (transactions_p2026_11) is `transactions`. */
export const tableOf = (relation: string) => relation.replace(/^transactions_p\d{4}_\d{2}$/, 'transactions');
