/**
 * `pnpm bench`: the transfer baseline. Seeds funded wallets, drives POST /api/v1/transactions over HTTP
 * from this process against the server in its own process (random transfers, then payments to one hot
 * MERCHANT), measures two references on the same machine (pgbench tpcb-like, a bare express 5 route),
 * prints one table, writes it as JSON, then runs `pnpm verify` and exits with its code.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { signAccessToken } from '@tekana/api';
import {
  bulkRequests,
  type CaseDetails,
  type LoadSettings,
  logPath,
  measure,
  startBareExpress,
  startTekanaServer,
  transferRequests,
} from './cases';
import { stopAllChildren, stopChild } from './children';
import { type BenchConfig, loadBenchConfig } from './config';
import { measureEngineInProcess } from './engine-case';
import type { NextRequest } from './load';
import { pendingNotices, relayOutbox } from './outbox';
import { dropPgbenchDatabase, ensurePgbench, runPgbench } from './pgbench';
import { countRedisKeys, deleteRedisKeys } from './redis-keys';
import { CASE_COLUMNS, formatTable, type Measurement, withRatios, writeJson } from './report';
import { checkpoint, seedBenchLedger } from './seed';
import { startSmsSink } from './sms-sink';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// Enough that no transfer of 1..100 RWF fails for lack of funds, however long the run.
const FUNDING_RWF = 1_000_000;
const TRANSACTIONS_PATH = '/api/v1/transactions';
const BULK_PATH = '/api/v1/transactions/bulk';
const BULK_SIZE = 100;
const say = (line: string) => process.stdout.write(`bench: ${line}\n`);
let interrupted = false;

async function main(): Promise<number> {
  const config = loadBenchConfig();
  if ('problems' in config) {
    process.stderr.write(`pnpm bench: ${config.problems.join('\n  ')}\n`);
    return 2;
  }
  if (!ensurePgbench(say)) return 2;
  say('pnpm build apps/server');
  if (spawnSync('pnpm', ['build', 'apps/server'], { cwd: root, stdio: 'inherit' }).status !== 0) return 2;

  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const tag = startedAt.getTime().toString(36);
  const redisPrefix = `bench:${startedAt.getTime()}:`;
  mkdirSync(`${root}/bench-results`, { recursive: true });
  const sink = await startSmsSink();

  // One cleanup, however many callers (the normal path, an error, a signal) ask for it.
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await stopAllChildren();
      await sink.close();
      await dropPgbenchDatabase(config.DATABASE_URL, tag).catch((e) =>
        say(`could not drop the pgbench database: ${e}`),
      );
      const deleted = await deleteRedisKeys(config.REDIS_URL, redisPrefix).catch((e) => {
        say(`could not delete the Redis keys ${redisPrefix}*: ${e}`);
        return 0;
      });
      say(`deleted ${deleted} Redis keys under ${redisPrefix}`);
    })();
    return cleaning;
  };
  // `on`, not `once`: Ctrl-C reaches us twice (from the terminal and relayed by tsx), and a second
  // signal without a listener would kill the bench before it has cleaned up.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      say(`${signal}: stopping`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  let refused: Pick<Measurement, 'name' | 'ok' | 'notOk' | 'errors'>[] = [];
  try {
    const report = await measureAll(config, { startedAt, stamp, tag, redisPrefix, smsGatewayUrl: sink.url });
    process.stdout.write(`\n${report.table}\n\n${report.notes.join('\n')}\n`);
    const file = writeJson(root, stamp, { ...report.json, smsSinkReceived: sink.received.length });
    say(`wrote ${file}`);
    // Figures from a run whose transfers were refused measure the refusal path, not the ledger; a warm-up
    // is not counted in the figures, but what it was answered is checked as strictly.
    const warmUps = Object.entries(report.json.details).flatMap(([name, d]) =>
      d.warmUp
        ? [
            {
              name: `${name} (warm-up)`,
              ok: d.warmUp.ok,
              notOk: d.warmUp.unexpected,
              errors: d.warmUp.errors,
            },
          ]
        : [],
    );
    refused = [...report.measurements, ...warmUps].filter((m) => m.notOk + m.errors > m.ok / 100);
  } finally {
    await cleanUp();
  }
  say('pnpm verify');
  const verified = await runVerify(config.DATABASE_URL);
  for (const m of refused)
    say(
      `${m.name}: ${m.notOk} unexpected answers and ${m.errors} errors for ${m.ok} ok: not a valid baseline`,
    );
  return verified !== 0 ? verified : refused.length > 0 ? 1 : 0;
}

type Run = { startedAt: Date; stamp: string; tag: string; redisPrefix: string; smsGatewayUrl: string };

async function measureAll(config: BenchConfig, run: Run) {
  const load: LoadSettings = {
    connections: config.BENCH_CONNECTIONS,
    durationSeconds: config.BENCH_DURATION_SECONDS,
    warmUpSeconds: config.BENCH_WARMUP_SECONDS,
  };
  const loadAtStart = loadavg()[0] ?? 0;
  const transfers = await measureTransfers(config, run, load);
  const references = await measureReferences(config, run, load, transfers.nextRandom());
  const rows = withRatios(
    [...transfers.measurements, references.pgbench, references.bare],
    references.pgbench.rate,
    references.bare.rate,
  );
  const details = { ...transfers.details, 'bare express': references.bareDetails };
  const lone = references.loneCommits;
  // Every server has stopped (each relays its last notices on the way out): what is left is a leak.
  const leftovers = {
    outboxBacklog: await pendingNotices(config.DATABASE_URL),
    redisKeys: await countRedisKeys(config.REDIS_URL, run.redisPrefix),
  };
  const rate = (name: string) => transfers.measurements.find((m) => m.name === name)?.rate;
  const [hot, random] = [rate('hot-merchant payments'), rate('random transfers')];
  const hotPerRandom = hot !== undefined && random !== undefined ? hot / random : null;
  // Other processes on the machine skew every row; the load average says whether they did.
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage1m: { atStart: loadAtStart, atEnd: loadavg()[0] ?? 0 },
  };
  const machineNote = `machine: ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, 1-min load average ${machine.loadAverage1m.atStart.toFixed(2)} at start, ${machine.loadAverage1m.atEnd.toFixed(2)} at end`;
  return {
    table: formatTable(CASE_COLUMNS, rows),
    measurements: [...transfers.measurements, references.pgbench, references.bare],
    notes: [
      machineNote,
      `the disk: one client's one-row commits (pgbench, ${lone.seconds} s): ${Math.round(lone.perSecond)}/s, p50 ${lone.p50Ms.toFixed(2)} ms, p99.9 ${lone.p999Ms.toFixed(1)} ms, max ${lone.maxMs.toFixed(0)} ms, ${lone.over50Ms} over 50 ms (a stalled flush holds every posting in flight)`,
      `hot ÷ random: ${hotPerRandom === null ? 'not measured (BENCH_CASES)' : hotPerRandom.toFixed(2)}`,
      `left at the end: ${leftovers.outboxBacklog} notices in the outbox, ${leftovers.redisKeys} Redis keys under ${run.redisPrefix} (queued SMS jobs: no worker runs in the bench)`,
      ...notesFor(details),
    ],
    json: {
      startedAt: run.startedAt.toISOString(),
      settings: { ...load, wallets: config.BENCH_WALLETS, fundingRwf: FUNDING_RWF },
      machine,
      rows,
      hotPerRandom,
      loneCommits: lone,
      leftovers,
      details,
    },
  };
}

/**
 * Random transfers, hot-merchant payments and bulk postings over HTTP, each against a fresh server (so
 * each peak RSS is its own), then the engine called in this process.
 */
async function measureTransfers(config: BenchConfig, run: Run, load: LoadSettings) {
  const jwtSecret = randomBytes(32).toString('hex');
  const settings = {
    root,
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    redisPrefix: run.redisPrefix,
    smsQueueName: config.SMS_QUEUE_NAME,
    jwtSecret,
    smsGatewayUrl: run.smsGatewayUrl,
  };
  const cases = [
    {
      kind: 'random',
      name: 'random transfers',
      path: TRANSACTIONS_PATH,
      status: 201,
      connections: load.connections,
    },
    {
      kind: 'hot',
      name: 'hot-merchant payments',
      path: TRANSACTIONS_PATH,
      status: 201,
      connections: load.connections,
    },
    // Each request carries BULK_SIZE postings: fewer connections keep as many postings in flight.
    {
      kind: 'bulk',
      name: `bulk postings (${BULK_SIZE} per request)`,
      path: BULK_PATH,
      status: 200,
      connections: Math.max(1, Math.round(load.connections / 8)),
    },
  ] as const;
  const chosen = cases.filter((c) => config.BENCH_CASES.includes(c.kind));
  say('starting the server (it migrates the database)');
  // The first case over HTTP takes the server that migrated the database (and its log); each other case a
  // fresh one.
  const first = await startTekanaServer(
    settings,
    logPath(root, run.stamp, `server-${chosen[0]?.kind ?? 'migrate'}`),
  );
  say(`seeding ${config.BENCH_WALLETS} PERSONAL wallets of ${FUNDING_RWF} RWF and one MERCHANT`);
  const ledger = await seedBenchLedger(config.DATABASE_URL, config.BENCH_WALLETS, FUNDING_RWF, run.tag);
  const ttl = 3_600 + 4 * load.durationSeconds;
  // Signed exactly as the server signs a token after validateOtp, with the server's own secret.
  const key = new TextEncoder().encode(jwtSecret);
  const tokens = await Promise.all(
    ledger.personal.map((w) => signAccessToken(key, { id: w.customerId, role: 'CUSTOMER' }, `${ttl}s`)),
  );

  // Only the engine in process: the migrating server has nothing to serve.
  if (chosen.length === 0) await stopChild(first.child);

  const measurements: Measurement[] = [];
  const details: Record<string, CaseDetails> = {};
  for (const c of chosen) {
    const logFile = logPath(root, run.stamp, `server-${c.kind}`);
    const isFirst = c === chosen[0];
    if (!isFirst) {
      // The first case starts after the seed's checkpoint; each other one after its own.
      await checkpoint(config.DATABASE_URL);
      say(`${c.name}: starting a fresh server`);
    }
    const server = isFirst ? first : await startTekanaServer(settings, logFile);
    say(`${c.name}: ${c.connections} connections for ${load.durationSeconds} s`);
    const next =
      c.kind === 'bulk'
        ? bulkRequests(ledger, tokens, run.tag, BULK_SIZE)
        : transferRequests(ledger, tokens, run.tag, c.kind);
    const result = await measure(
      c.name,
      server,
      c.path,
      c.status,
      next,
      { ...load, connections: c.connections },
      logFile,
    );
    // A bulk request is BULK_SIZE postings: its row counts postings, its latencies are per request.
    const scale = c.kind === 'bulk' ? BULK_SIZE : 1;
    measurements.push({
      ...result.measurement,
      rate: result.measurement.rate * scale,
      ok: result.measurement.ok * scale,
    });
    details[c.name] = result.details;
  }
  if (config.BENCH_CASES.includes('engine')) {
    await checkpoint(config.DATABASE_URL);
    say(`engine in process (no HTTP): ${load.connections} callers for ${load.durationSeconds} s`);
    measurements.push(await measureEngineInProcess(config.DATABASE_URL, ledger, run.tag, load));
  }
  await relayOutbox(config.DATABASE_URL, {
    url: config.REDIS_URL,
    prefix: run.redisPrefix,
    queueName: config.SMS_QUEUE_NAME,
  });
  // The bare express reference gets the same bodies and headers, so the load generator does the same work.
  return {
    measurements,
    details,
    nextRandom: () => transferRequests(ledger, tokens, `${run.tag}-bare`, 'random'),
  };
}

async function measureReferences(config: BenchConfig, run: Run, load: LoadSettings, next: NextRequest) {
  say(
    `pgbench: one client's commits, then tpcb-like (scale 10): ${load.connections} clients for ${load.durationSeconds} s`,
  );
  const result = await runPgbench(config.DATABASE_URL, { ...load, tag: run.tag });
  const pgbench: Measurement = {
    name: 'pgbench tpcb-like',
    rate: result.tps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    peakRssMb: null,
    ok: result.transactions,
    notOk: result.failed,
    errors: 0,
  };

  say(`bare express: ${load.connections} connections for ${load.durationSeconds} s`);
  const logFile = logPath(root, run.stamp, 'bare-express');
  const bare = await startBareExpress(root, logFile);
  const measured = await measure('bare express', bare, '/echo', 200, next, load, logFile);
  return {
    pgbench,
    loneCommits: result.loneCommits,
    bare: measured.measurement,
    bareDetails: measured.details,
  };
}

/** `201×9000 503×2`, or `none`. */
function statusList(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ') || 'none'
  );
}

/** One line per case: its statuses and the server's warnings, then why requests failed, if any did. */
function notesFor(details: Record<string, CaseDetails>): string[] {
  const notes = [
    'ok = 201 (transfers), 200 (bare express), committed transactions (pgbench); not ok = any other status',
    '(failed transactions for pgbench); errors = connection errors and timeouts; latencies cover every response',
    'of the measure; each case over HTTP runs its warm-up first, at the same load, counted apart (below).',
  ];
  for (const [name, d] of Object.entries(details)) {
    notes.push(
      `${name}: statuses ${statusList(d.statusCounts)}; server CPU ${d.cpuMsPerOk.toFixed(3)} ms per response; timeouts ${d.timeouts}; server log ${d.serverLog.warnings} warn, ${d.serverLog.errors} error (${d.logFile})`,
    );
    if (d.warmUp) {
      const w = d.warmUp;
      notes.push(
        `  warm-up: ${w.seconds} s before the measure, not counted: statuses ${statusList(w.statusCounts)}, errors ${w.errors}, p50/p99 ${w.p50Ms}/${w.p99Ms} ms`,
      );
    }
    if (d.batches) {
      const b = d.batches;
      notes.push(
        `  engine: ${b.batches} batches, ${b.meanPostings.toFixed(1)} postings and ${b.meanMs.toFixed(1)} ms each on average (lock trip ${b.meanTripMs.lock.toFixed(1)} ms, write trip ${b.meanTripMs.write.toFixed(1)} ms); ${b.over50Ms} over 50 ms, ${b.over100Ms} over 100 ms; over 50 ms in their lock trip ${b.tripsOver50Ms.lock}, in their write trip (COMMIT waits for the WAL flush) ${b.tripsOver50Ms.write}`,
      );
    }
    for (const sample of d.unexpectedSamples) notes.push(`  e.g. ${sample}`);
    for (const message of d.serverLog.firstMessages) notes.push(`  log: ${message}`);
  }
  return notes;
}

function runVerify(databaseUrl: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['verify'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    child.once('error', (error) => {
      say(`could not run pnpm verify: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    // Interrupted: the signal handler finishes the cleanup and exits; what failed meanwhile is its echo.
    if (interrupted) return;
    process.stderr.write(
      `pnpm bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await stopAllChildren();
    process.exit(1);
  },
);
