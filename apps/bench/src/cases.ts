import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Child,
  cpuSeconds,
  freePort,
  peakRssMb,
  spawnNodeScript,
  stopChild,
  waitUntilReady,
} from './children';
import { type LoadResult, type NextRequest, runLoad } from './load';
import type { Measurement } from './report';
import type { BenchLedger } from './seed';

export type ServerSettings = {
  root: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  smsQueueName: string;
  jwtSecret: string;
  smsGatewayUrl: string;
};

/** A case's load: `warmUpSeconds` of it first, not counted, then `durationSeconds` measured. */
export type LoadSettings = { connections: number; durationSeconds: number; warmUpSeconds: number };

/** The warm-up's own figures, shown beside the case so that what was left out can be seen. */
export type WarmUp = Pick<LoadResult, 'statusCounts' | 'ok' | 'unexpected' | 'p50Ms' | 'p99Ms' | 'errors'> & {
  seconds: number;
};

/** What a case found beyond its table row: the status breakdown, why requests failed, the server's warnings. */
export type CaseDetails = Pick<
  LoadResult,
  'statusCounts' | 'timeouts' | 'unexpectedSamples' | 'durationSeconds'
> & {
  logFile: string;
  serverLog: LogSummary;
  warmUp: WarmUp | null;
  batches: BatchFigures;
  /** The server's CPU time (user + system) during the load, per expected response: steadier than rates. */
  cpuMsPerOk: number;
};

/**
 * The Tekana server in production mode, as production runs it: the compiled `apps/server/dist/main.js`
 * (`pnpm build`), as its own process (node itself, so that its pid gives its RSS).
 */
export async function startTekanaServer(
  settings: ServerSettings,
  logFile: string,
): Promise<{ child: Child; origin: string }> {
  return startBuiltServer(
    settings.root,
    {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: settings.databaseUrl,
      REDIS_URL: settings.redisUrl,
      REDIS_PREFIX: settings.redisPrefix,
      SMS_QUEUE_NAME: settings.smsQueueName,
      JWT_SECRET: settings.jwtSecret,
      LOG_LEVEL: 'warn',
      SMS_PROVIDER: 'http',
      SMS_GATEWAY_URL: settings.smsGatewayUrl,
    },
    logFile,
  );
}

/**
 * The built server (`apps/server/dist/main.js`) under `env`, on a free port of 127.0.0.1, once its
 * `/ready` answers.
 */
export async function startBuiltServer(
  root: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const child = spawnNodeScript('tekana server', 'apps/server/dist/main.js', {
    cwd: root,
    logFile,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${origin}/ready`, logFile);
  return { child, origin };
}

/** The bare express reference, started the same way. */
export async function startBareExpress(
  root: string,
  logFile: string,
): Promise<{ child: Child; origin: string }> {
  const port = await freePort();
  const child = spawnNodeScript('bare express', 'apps/bench/src/bare-express.ts', {
    cwd: root,
    logFile,
    args: [String(port)],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${origin}/health`, logFile);
  return { child, origin };
}

/** The body of a random transfer ('random') or a payment to the one MERCHANT ('hot'), and its debtor's index. */
export function transferBody(
  ledger: BenchLedger,
  reference: string,
  kind: 'random' | 'hot',
  from = Math.floor(Math.random() * ledger.personal.length),
) {
  const count = ledger.personal.length;
  // Any wallet but `from`, uniformly.
  const to = (from + 1 + Math.floor(Math.random() * (count - 1))) % count;
  const debited = ledger.personal[from];
  const credited = kind === 'hot' ? ledger.merchant : ledger.personal[to];
  if (!debited || !credited) throw new Error('transferBody: wallet index out of range');
  return {
    from,
    customerId: debited.customerId,
    body: {
      externalReferenceNumber: reference,
      transactionTypeCode: kind === 'hot' ? 'PAYMENT' : 'TRANSFER',
      channelType: 'APP' as const,
      debitedWalletId: debited.walletId,
      creditedWalletId: credited.walletId,
      amount: 1 + Math.floor(Math.random() * 100),
    },
  };
}

/**
 * Transfers between two distinct random PERSONAL wallets ('random'), or payments from a random PERSONAL
 * wallet to the one MERCHANT ('hot'), each under a fresh idempotency key and its debtor's token.
 */
export function transferRequests(
  ledger: BenchLedger,
  tokens: string[],
  tag: string,
  kind: 'random' | 'hot',
): NextRequest {
  let sequence = 0;
  return () => {
    const { from, body } = transferBody(ledger, `bench-${tag}-${kind}-${++sequence}`, kind);
    return { body: JSON.stringify(body), token: tokens[from] as string };
  };
}

/** A payroll-shaped bulk request: `size` transfers from one random customer's wallet to random others. */
export function bulkRequests(ledger: BenchLedger, tokens: string[], tag: string, size: number): NextRequest {
  let sequence = 0;
  return () => {
    const from = Math.floor(Math.random() * ledger.personal.length);
    const transactions = Array.from(
      { length: size },
      () => transferBody(ledger, `bench-${tag}-bulk-${++sequence}`, 'random', from).body,
    );
    return { body: JSON.stringify({ atomic: false, transactions }), token: tokens[from] as string };
  };
}

/** Loads a running server, reads its peak RSS before anything else touches it, stops it, reads its log. */
export async function measure(
  name: string,
  server: { child: Child; origin: string },
  path: string,
  expectedStatus: number,
  next: NextRequest,
  load: LoadSettings,
  logFile: string,
): Promise<{ measurement: Measurement; details: CaseDetails }> {
  const request = { origin: server.origin, path, expectedStatus, next, connections: load.connections };
  const warmUp =
    load.warmUpSeconds > 0 ? await runLoad({ ...request, durationSeconds: load.warmUpSeconds }) : null;
  const metricsBefore = await engineMetrics(server.origin);
  const cpuBefore = cpuSeconds(server.child.pid);
  const result = await runLoad({ ...request, durationSeconds: load.durationSeconds });
  const cpuMsPerOk = ((cpuSeconds(server.child.pid) - cpuBefore) * 1000) / Math.max(1, result.ok);
  const peak = peakRssMb(server.child.pid);
  const batches = batchFigures(metricsBefore, await engineMetrics(server.origin));
  await stopChild(server.child);
  return {
    measurement: {
      name,
      rate: result.rate,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      peakRssMb: peak,
      ok: result.ok,
      notOk: result.unexpected,
      errors: result.errors,
    },
    details: {
      statusCounts: result.statusCounts,
      timeouts: result.timeouts,
      unexpectedSamples: result.unexpectedSamples,
      durationSeconds: result.durationSeconds,
      logFile,
      serverLog: summarizeLog(logFile),
      warmUp: warmUp && {
        seconds: load.warmUpSeconds,
        statusCounts: warmUp.statusCounts,
        ok: warmUp.ok,
        unexpected: warmUp.unexpected,
        p50Ms: warmUp.p50Ms,
        p99Ms: warmUp.p99Ms,
        errors: warmUp.errors,
      },
      batches,
      cpuMsPerOk,
    },
  };
}

/**
 * The engine's batches during the measure, from the server's /metrics before and after it: how many, how
 * big and long, and the slow ones by the round trip they waited in (none for the bare reference).
 */
export type BatchFigures = {
  batches: number;
  meanPostings: number;
  meanMs: number;
  over50Ms: number;
  over100Ms: number;
  /** The mean lock trip (BEGIN, locks, reads) of a batch, and the mean write trip (writes, COMMIT) of one that wrote. */
  meanTripMs: { lock: number; write: number };
  /** Batches whose lock trip or write trip took over 50 ms. */
  tripsOver50Ms: { lock: number; write: number };
} | null;

type MetricSeries = Map<string, number>;

/** The server's /metrics as series (name and labels, as printed) → value; empty when there is none. */
async function engineMetrics(origin: string): Promise<MetricSeries> {
  const text = await fetch(`${origin}/metrics`)
    .then((r) => (r.ok ? r.text() : ''))
    .catch(() => '');
  const series: MetricSeries = new Map();
  for (const line of text.split('\n')) {
    const match = /^(posting_batch_\S+) (\S+)$/.exec(line);
    if (match?.[1] && match[2]) series.set(match[1], Number(match[2]));
  }
  return series;
}

function batchFigures(before: MetricSeries, after: MetricSeries): BatchFigures {
  const during = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  const batches = during('posting_batch_size_count');
  if (!(batches > 0)) return null;
  const over = (histogram: string, le: string, labels = '') =>
    during(`${histogram}_count${labels ? `{${labels}}` : ''}`) -
    during(`${histogram}_bucket{le="${le}"${labels ? `,${labels}` : ''}}`);
  const meanTripMs = (trip: string) =>
    (1000 * during(`posting_batch_trip_seconds_sum{trip="${trip}"}`)) /
    during(`posting_batch_trip_seconds_count{trip="${trip}"}`);
  return {
    batches,
    meanPostings: during('posting_batch_size_sum') / batches,
    meanMs: (1000 * during('posting_batch_duration_seconds_sum')) / batches,
    over50Ms: over('posting_batch_duration_seconds', '0.05'),
    over100Ms: over('posting_batch_duration_seconds', '0.1'),
    meanTripMs: { lock: meanTripMs('lock'), write: meanTripMs('write') },
    tripsOver50Ms: {
      lock: over('posting_batch_trip_seconds', '0.05', 'trip="lock"'),
      write: over('posting_batch_trip_seconds', '0.05', 'trip="write"'),
    },
  };
}

export type LogSummary = { warnings: number; errors: number; firstMessages: string[] };

/** Counts the pino lines at warn (40) and above, and keeps the first few distinct messages. */
export function summarizeLog(file: string): LogSummary {
  const summary: LogSummary = { warnings: 0, errors: 0, firstMessages: [] };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return summary;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let level = 0;
    let message = line.slice(0, 200);
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      level = entry.level ?? 0;
      message = [entry.msg, entry.err?.message].filter(Boolean).join(': ');
    } catch {
      level = 50; // Not pino: something printed straight to stderr.
    }
    if (level >= 50) summary.errors++;
    else if (level >= 40) summary.warnings++;
    else continue;
    if (summary.firstMessages.length < 5 && !summary.firstMessages.includes(message)) {
      summary.firstMessages.push(message);
    }
  }
  return summary;
}

export const logPath = (root: string, stamp: string, name: string) =>
  join(root, 'bench-results', `${stamp}.${name}.log`);
