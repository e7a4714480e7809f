/**
 * `pnpm bench:reads`: the latency of every read a user triggers, on a database seeded by
 * `pnpm seed:scale`. Starts the built server as its own process, signs in an admin and the seeded hot
 * merchant (login, then the OTP the server sends), and drives each read over HTTP with 16 concurrent
 * readers. Its last line is one JSON object: { "<read>": { "p50": ms, "p95": ms, "p99": ms }, ... }.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAdmin } from '@tekana/api';
import { createDatabase, SCALE_SEED_PASSWORD, systemActor } from '@tekana/db';
import postgres from 'postgres';
import { startBuiltServer } from '../cases';
import { cpuSeconds, stopChild } from '../children';
import { loadReadsConfig } from '../config';
import { type Column, formatTable } from '../report';
import { type SmsSink, startSmsSink } from '../sms-sink';
import { measureRead, type ReadFigures } from './measure';
import { readSamples, reads } from './reads';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const say = (line: string) => process.stderr.write(`bench:reads: ${line}\n`);

// The bench's own admin, made once per database as `pnpm admin:create` makes one (and audited so).
const ADMIN = {
  firstName: 'Bench',
  lastName: 'Reads',
  email: 'bench.reads.admin@scale.tekana.test',
  phoneNumber: '+250700000000',
  idType: 'NID',
  idNumber: 'BENCHREADS01',
  gender: 'FEMALE',
  password: 'bench-reads-admin-42',
} as const;

async function main(): Promise<number> {
  const config = loadReadsConfig();
  if ('problems' in config) {
    say(config.problems.join('; '));
    return 2;
  }
  say('pnpm build apps/server');
  if (spawnSync('pnpm', ['build', 'apps/server'], { cwd: root, stdio: 'inherit' }).status !== 0) return 2;
  await ensureAdmin(config.DATABASE_URL);
  const sql = postgres(config.DATABASE_URL, { max: 1, onnotice: () => {} });
  const samples = await readSamples(sql).finally(() => sql.end());

  mkdirSync(`${root}/bench-results`, { recursive: true });
  const logFile = `${root}/bench-results/reads-${new Date().toISOString().replace(/[-:.]/g, '')}.server.log`;
  const sink = await startSmsSink();
  const server = await startReadsServer(config.DATABASE_URL, sink.url, logFile);
  const stop = async () => {
    await stopChild(server.child);
    await sink.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stop().then(() => process.exit(130)));
  try {
    const signIn = (email: string, phone: string, password: string) =>
      signInOverHttp(server.origin, sink, email, phone, password);
    const tokens = {
      admin: await signIn(ADMIN.email, ADMIN.phoneNumber, ADMIN.password),
      customer: await signIn(samples.owner.email, samples.owner.phone, SCALE_SEED_PASSWORD),
    };
    const deep = await walkCursors(
      server.origin,
      tokens.customer,
      samples.merchant.id,
      config.BENCH_READS_CURSOR_STEPS,
    );
    say(
      `the hot merchant's wallet: page ${deep.steps + 1} reached after ${deep.steps} cursor steps (20 per page)`,
    );

    const load = loadavg()[0] ?? 0;
    const results: Record<string, Figures> = {};
    for (const read of reads(samples, tokens, deep)) {
      say(`${read.name}: ${config.BENCH_READS_CONCURRENCY} readers for ${config.BENCH_READS_SECONDS} s`);
      const cpuBefore = cpuSeconds(server.child.pid);
      const figures = await measureRead(server.origin, read.next, {
        concurrency: config.BENCH_READS_CONCURRENCY,
        seconds: config.BENCH_READS_SECONDS,
      });
      const serverCpuMs = ((cpuSeconds(server.child.pid) - cpuBefore) * 1000) / Math.max(1, figures.requests);
      // One reader alone: the read's own cost, without 15 others queued on the same two cores.
      const alone = await measureRead(server.origin, read.next, {
        concurrency: 1,
        seconds: Math.max(1, config.BENCH_READS_SECONDS / 5),
      });
      if (figures.firstError) say(`  ${figures.errors} errors, e.g. ${figures.firstError}`);
      results[read.name] = { ...figures, serverCpuMs, aloneP50: alone.p50 };
    }
    printTable(results);
    say(
      `machine: ${availableParallelism()} CPUs shared by the readers, the server and Postgres; 1-min load average ${load.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end`,
    );
    const last = Object.fromEntries(
      Object.entries(results).map(([name, f]) => [name, { p50: f.p50, p95: f.p95, p99: f.p99 }]),
    );
    process.stdout.write(`${JSON.stringify(last)}\n`);
    return Object.values(results).some((f) => f.errors > 0) ? 1 : 0;
  } finally {
    await stop();
  }
}

/**
 * The built server (`pnpm build`) as its own process, as `pnpm start` runs it, in production mode on the
 * seeded database. No Redis: reads never touch it, and the OTPs go in-process to the sink.
 */
function startReadsServer(databaseUrl: string, smsUrl: string, logFile: string) {
  return startBuiltServer(
    root,
    {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: randomBytes(32).toString('hex'),
      SMS_PROVIDER: 'http',
      SMS_GATEWAY_URL: smsUrl,
      LOG_LEVEL: 'warn',
    },
    logFile,
  );
}

async function ensureAdmin(databaseUrl: string) {
  const database = createDatabase({ databaseUrl, dataDir: '', maxConnections: 1 });
  try {
    const found = await database.db.query.customers.findFirst({
      columns: { id: true },
      where: (customer, { eq, sql }) => eq(sql`lower(${customer.email})`, ADMIN.email),
    });
    if (!found) await createAdmin(database, ADMIN, await systemActor(database.db));
  } finally {
    await database.close();
  }
}

/** Login with the password, then validateOtp with the code the server sent: the token, as a person gets it. */
async function signInOverHttp(origin: string, sink: SmsSink, email: string, phone: string, password: string) {
  const since = Date.now();
  const call = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const envelope = (await response.json()) as { message: string; token?: string };
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${envelope.message}`);
    return envelope;
  };
  await call('POST', '/customers/login', { email, password });
  const otp = await sink.otpFor(phone, since);
  const { token } = await call('PUT', '/customers/validateOtp', { phoneNumber: phone, otp });
  if (!token) throw new Error(`validateOtp gave ${email} no token`);
  return token;
}

/** Follows the wallet's cursor chain `steps` pages deep (fewer if the history ends first). */
async function walkCursors(origin: string, token: string, walletId: string, steps: number) {
  let cursor = '';
  let taken = 0;
  while (taken < steps) {
    const query = `walletId=${walletId}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await fetch(`${origin}/api/v1/transactions?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { data } = (await response.json()) as { data: { nextCursor: string | null } };
    if (!data.nextCursor) break;
    cursor = data.nextCursor;
    taken++;
  }
  if (!cursor) throw new Error("the hot merchant's wallet has a single page: seed more postings");
  return { cursor, steps: taken };
}

type Figures = ReadFigures & { serverCpuMs: number; aloneP50: number };

const COLUMNS: Column<[string, Figures]>[] = [
  { title: 'read', cell: ([name]) => name },
  { title: 'requests', cell: ([, f]) => String(f.requests) },
  { title: 'req/s', cell: ([, f]) => String(f.perSecond) },
  { title: 'p50 ms', cell: ([, f]) => f.p50.toFixed(2) },
  { title: 'p95 ms', cell: ([, f]) => f.p95.toFixed(2) },
  { title: 'p99 ms', cell: ([, f]) => f.p99.toFixed(2) },
  { title: 'errors', cell: ([, f]) => String(f.errors) },
  { title: 'server CPU ms/req', cell: ([, f]) => f.serverCpuMs.toFixed(2) },
  { title: '1 reader p50 ms', cell: ([, f]) => f.aloneP50.toFixed(2) },
];

function printTable(results: Record<string, Figures>) {
  process.stdout.write(`${formatTable(COLUMNS, Object.entries(results), 'markdown')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
