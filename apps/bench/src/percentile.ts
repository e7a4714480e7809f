/**
 * The latency at fraction `p` (0.5, 0.99) of an ascending list: the one at index ⌊p·n⌋, the last for p = 1.
 * NaN for no latencies, so that an empty run shows as such rather than as 0 ms. One formula for the
 * latencies the bench ranks itself: the engine alone, pgbench and the reads (the cases over HTTP take
 * autocannon's).
 */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}
