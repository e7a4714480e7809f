import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { track } from './children';
import { percentile } from './percentile';

export type PgbenchResult = {
  tps: number;
  transactions: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  loneCommits: LoneCommits;
};

/**
 * One client's one-row INSERTs, each its own transaction, for a few seconds: what a durable commit costs on
 * this machine's disk alone, and how often a flush stalls. A stall holds every posting in flight, whatever
 * the server does, so its count and length bound the p99 the cases can reach.
 */
export type LoneCommits = {
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p999Ms: number;
  maxMs: number;
  over50Ms: number;
};

const LONE_COMMIT_SCRIPT =
  'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 1, CURRENT_TIMESTAMP);\n';
const LONE_COMMIT_SECONDS = 10;

// On Debian the pgbench binary ships with the server package (postgresql-15), not with postgresql-client.
const PGBENCH_PACKAGE = 'postgresql-contrib';
const INSTALL_HINT = `apt-get install -y ${PGBENCH_PACKAGE}`;

export function hasPgbench(): boolean {
  return spawnSync('pgbench', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Installs pgbench (Debian's PostgreSQL packages) when it is missing and we may; true when it is there. */
export function ensurePgbench(log: (line: string) => void): boolean {
  if (hasPgbench()) return true;
  if (process.getuid?.() !== 0) {
    log(`pgbench is missing; install it with: ${INSTALL_HINT} (as root)`);
    return false;
  }
  log(`pgbench is missing; running ${INSTALL_HINT}`);
  const install = () => spawnSync('apt-get', ['install', '-y', PGBENCH_PACKAGE], { stdio: 'inherit' }).status;
  if (install() !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    install();
  }
  if (hasPgbench()) return true;
  log(`pgbench is still missing; install it with: ${INSTALL_HINT}`);
  return false;
}

/**
 * pgbench's built-in tpcb-like script on a throwaway database of the same PostgreSQL, at the bench's
 * concurrency: the database's own ceiling for small read-modify-write transactions on this machine.
 * Latency percentiles come from pgbench's per-transaction log.
 */
export async function runPgbench(
  databaseUrl: string,
  options: { connections: number; durationSeconds: number; tag: string },
): Promise<PgbenchResult> {
  const name = pgbenchDatabaseName(options.tag);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const logDir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  try {
    await admin.unsafe(`create database "${name}"`);
    await run(['-i', '-q', '-s', '10', url.href]);
    // As the cases start after the seed's checkpoint, so does pgbench after its own load (a checkpoint
    // covers the whole cluster, whichever database asks).
    await admin`checkpoint`;
    const loneCommits = await runLoneCommits(
      url.href,
      logDir,
      Math.min(LONE_COMMIT_SECONDS, options.durationSeconds),
    );
    const threads = String(Math.min(2, options.connections));
    const tpcbLogs = join(logDir, 'tpcb');
    mkdirSync(tpcbLogs);
    const output = await run([
      ...['-c', String(options.connections), '-j', threads, '-T', String(options.durationSeconds)],
      ...['-b', 'tpcb-like', '-l', '--log-prefix', join(tpcbLogs, 'pgbench'), url.href],
    ]);
    const tps = tpsOf(output);
    const latencies = readLatenciesMs(tpcbLogs);
    return {
      loneCommits,
      tps,
      transactions: Number(/actually processed: (\d+)/.exec(output)?.[1] ?? latencies.length),
      failed: Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
    };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
    await admin.end({ timeout: 5 });
    await dropPgbenchDatabase(databaseUrl, options.tag);
  }
}

export function pgbenchDatabaseName(tag: string): string {
  return `bench_pgbench_${tag}`;
}

/** Idempotent, so that both the normal path and an interrupted run may call it. */
export async function dropPgbenchDatabase(databaseUrl: string, tag: string): Promise<void> {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${pgbenchDatabaseName(tag)}" with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function runLoneCommits(url: string, logDir: string, seconds: number): Promise<LoneCommits> {
  const dir = join(logDir, 'lone');
  mkdirSync(dir);
  const script = join(logDir, 'lone-commit.sql');
  writeFileSync(script, LONE_COMMIT_SCRIPT);
  const output = await run([
    '-n',
    '-c',
    '1',
    '-T',
    String(seconds),
    '-f',
    script,
    '-l',
    '--log-prefix',
    join(dir, 'pgbench'),
    url,
  ]);
  const latencies = readLatenciesMs(dir);
  return {
    seconds,
    perSecond: tpsOf(output),
    p50Ms: percentile(latencies, 0.5),
    p999Ms: percentile(latencies, 0.999),
    maxMs: percentile(latencies, 1),
    over50Ms: latencies.filter((ms) => ms > 50).length,
  };
}

function tpsOf(output: string): number {
  const tps = Number(/^tps = ([\d.]+)/m.exec(output)?.[1]);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${output}`);
  return tps;
}

/** Runs pgbench and resolves with its stdout and stderr (it prints its summary on stdout, progress on stderr). */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('error', reject);
    if (child.pid !== undefined) track('pgbench', child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`pgbench ${args[0]} exited with ${code}:\n${output}`)),
    );
  });
}

/** Third field of each log line: the transaction's latency in µs ("failed" lines are skipped). */
function readLatenciesMs(dir: string): number[] {
  const latencies: number[] = [];
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const micros = Number(line.split(' ')[2]);
      if (line && Number.isFinite(micros)) latencies.push(micros / 1000);
    }
  }
  return latencies.sort((a, b) => a - b);
}
