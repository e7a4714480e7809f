/**
 * `pnpm bench:reads`: the latency of every read a user triggers, on a database seeded by
 * `pnpm seed:scale`. Starts the built server as its own process, signs in an admin and the seeded hot
 * merchant (login, then the OTP the server sends), and drives each read over HTTP with 16 concurrent
 * readers. Its last line is one JSON object: { "<read>": { "p50": ms, "p95": ms, "p99": ms }, ... }.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAdmin } from '@tekana/api';
import { createDatabase, SCALE_SEED_PASSWORD, systemActor } from '@tekana/db';
import postgres from 'postgres';
import { z } from 'zod';
import { measureRead, type ReadFigures } from './measure';
import { readSamples, reads } from './reads';
import { cpuSeconds, type SmsSink, startServer, startSmsSink } from './server';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const say = (line: string) => process.stderr.write(`bench:reads: ${line}\n`);

const settings = z.object({
  DATABASE_URL: z.url({
    protocol: /^postgres(ql)?$/,
    error: 'DATABASE_URL: the database pnpm seed:scale filled',
  }),
  BENCH_READS_SECONDS: z.coerce.number().positive().default(10),
  BENCH_READS_CONCURRENCY: z.coerce.number().int().min(1).default(16),
  BENCH_READS_CURSOR_STEPS: z.coerce.number().int().min(1).default(1_000),
});

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
  const parsed = settings.safeParse(process.env);
  if (!parsed.success) {
    say(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return 2;
  }
  const config = parsed.data;
  say('pnpm build apps/server');
  if (spawnSync('pnpm', ['build', 'apps/server'], { cwd: root, stdio: 'inherit' }).status !== 0) return 2;
  await ensureAdmin(config.DATABASE_URL);
  const sql = postgres(config.DATABASE_URL, { max: 1, onnotice: () => {} });
  const samples = await readSamples(sql).finally(() => sql.end());

  mkdirSync(`${root}/bench-results`, { recursive: true });
  const logFile = `${root}/bench-results/reads-${new Date().toISOString().replace(/[-:.]/g, '')}.server.log`;
  const sink = await startSmsSink();
  const server = await startServer(root, config.DATABASE_URL, sink.url, logFile);
  const stop = async () => {
    await server.stop();
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
    for (const read of reads(samples, tokens, deep.cursor)) {
      say(`${read.name}: ${config.BENCH_READS_CONCURRENCY} readers for ${config.BENCH_READS_SECONDS} s`);
      const cpuBefore = cpuSeconds(server.pid);
      const figures = await measureRead(server.origin, read.next, {
        concurrency: config.BENCH_READS_CONCURRENCY,
        seconds: config.BENCH_READS_SECONDS,
      });
      const serverCpuMs = ((cpuSeconds(server.pid) - cpuBefore) * 1000) / Math.max(1, figures.requests);
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

async function ensureAdmin(databaseUrl: string) {
  const database = createDatabase({ databaseUrl, dataDir: '' });
  try {
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const [found] = await sql`select 1 from customers where lower(email) = ${ADMIN.email}`.finally(() =>
      sql.end(),
    );
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

function printTable(results: Record<string, Figures>) {
  const rows = Object.entries(results).map(([name, f]) => [
    name,
    String(f.requests),
    String(f.perSecond),
    f.p50.toFixed(2),
    f.p95.toFixed(2),
    f.p99.toFixed(2),
    String(f.errors),
    f.serverCpuMs.toFixed(2),
    f.aloneP50.toFixed(2),
  ]);
  const header = [
    'read',
    'requests',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'server CPU ms/req',
    '1 reader p50 ms',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  process.stdout.write(
    `${[line(header), `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n')}\n`,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
