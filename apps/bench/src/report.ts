import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One line of the table: a measured case or a reference. */
export type Measurement = {
  name: string;
  /** Transfers/s, TPS or req/s: only the expected outcome counts. */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** The serving process's VmHWM; null where there is no such process of ours (pgbench). */
  peakRssMb: number | null;
  ok: number;
  /** Any other HTTP status (or a failed pgbench transaction). */
  notOk: number;
  /** Connection errors and timeouts. */
  errors: number;
};

export type Row = Measurement & { perPgbench: number; perBareExpress: number };

export function withRatios(measurements: Measurement[], pgbenchTps: number, bareRate: number): Row[] {
  return measurements.map((m) => ({
    ...m,
    perPgbench: m.rate / pgbenchTps,
    perBareExpress: m.rate / bareRate,
  }));
}

/** A column of a table: its title, and a row's cell in it. */
export type Column<R> = { title: string; cell: (row: R) => string };

/** `pnpm bench`'s table. */
export const CASE_COLUMNS: Column<Row>[] = [
  { title: 'case', cell: (r) => r.name },
  { title: 'req/s (TPS)', cell: (r) => r.rate.toFixed(0) },
  { title: 'p50 ms', cell: (r) => r.p50Ms.toFixed(1) },
  { title: 'p99 ms', cell: (r) => r.p99Ms.toFixed(1) },
  { title: 'server peak RSS MB', cell: (r) => (r.peakRssMb === null ? '-' : r.peakRssMb.toFixed(0)) },
  { title: '÷ pgbench', cell: (r) => r.perPgbench.toFixed(3) },
  { title: '÷ bare express', cell: (r) => r.perBareExpress.toFixed(3) },
  { title: 'ok', cell: (r) => String(r.ok) },
  { title: 'not ok', cell: (r) => String(r.notOk) },
  { title: 'errors', cell: (r) => String(r.errors) },
];

/**
 * Aligned: the first column left, the figures right. 'plain' is text with a rule of dashes under the
 * titles; 'markdown' a Markdown table (figures right-aligned), to paste into docs as it is.
 */
export function formatTable<R>(
  columns: Column<R>[],
  rows: R[],
  style: 'plain' | 'markdown' = 'plain',
): string {
  const cells = [columns.map((c) => c.title), ...rows.map((r) => columns.map((c) => c.cell(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  const pad = (line: string[]) =>
    line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)));
  if (style === 'markdown') {
    const format = (line: string[]) => `| ${pad(line).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
    return [format(cells[0] ?? []), rule, ...cells.slice(1).map(format)].join('\n');
  }
  const format = (line: string[]) => pad(line).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [format(cells[0] ?? []), rule, ...cells.slice(1).map(format)].join('\n');
}

/** Writes bench-results/<stamp>.json (git-ignored) and returns its path. */
export function writeJson(root: string, stamp: string, report: object): string {
  const dir = join(root, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
