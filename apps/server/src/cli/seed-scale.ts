import { parseArgs } from 'node:util';
import { ConfigError } from '@tekana/contracts';
import { SCALE_SEED_PASSWORD, type ScaleSeedReporter, seedScale } from '@tekana/db';
import argon2 from 'argon2';
import { SingleBar } from 'cli-progress';
import postgres from 'postgres';
import { loadConfig } from '../config';
import { runCommand, withDatabase } from './run-command';

const usage = 'Usage: pnpm seed:scale --customers N --postings M   (e.g. 1000000 and 10000000)';

/**
 * `pnpm seed:scale`: a database the size of production for measuring reads (README, "At scale"). A
 * progress bar per phase on stderr, each phase's time on stdout. Migrates first, so a brand-new
 * database works; a second run adds nothing.
 */
runCommand(async () => {
  const { values } = parseArgs({
    options: { customers: { type: 'string' }, postings: { type: 'string' } },
    strict: true,
  });
  const customers = Number(values.customers);
  const postings = Number(values.postings);
  if (!Number.isSafeInteger(customers) || !Number.isSafeInteger(postings) || customers < 1) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (postings < 3 * customers) {
    process.stderr.write(
      `${usage}\n  --postings must be at least 3 × --customers: each customer's wallets open with a deposit\n`,
    );
    return 2;
  }
  const { DATABASE_URL } = loadConfig();
  if (!DATABASE_URL) {
    throw new ConfigError(
      'pnpm seed:scale needs DATABASE_URL: it seeds PostgreSQL, not the embedded database',
    );
  }
  await withDatabase(async () => {});
  // One hash for every seeded customer: a million argon2 hashes would take hours.
  const passwordHash = await argon2.hash(SCALE_SEED_PASSWORD, { type: argon2.argon2id });
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const began = performance.now();
    const result = await seedScale(sql, { customers, postings, passwordHash }, progressBars());
    if (!result.seeded) {
      process.stdout.write(`seed:scale: ${result.reason}\n`);
      return 0;
    }
    const total = (performance.now() - began) / 1000;
    process.stdout.write(
      `seed:scale: ${customers} customers and ${postings} postings in ${total.toFixed(1)} s; every seeded customer's password is '${SCALE_SEED_PASSWORD}'. Check it with pnpm verify.\n`,
    );
    return 0;
  } finally {
    await sql.end({ timeout: 5 });
  }
});

/** A bar per phase on stderr (cli-progress), and the phase's time on stdout when it ends. */
function progressBars(): ScaleSeedReporter {
  let bar: SingleBar | undefined;
  return {
    start(phase, total) {
      bar = new SingleBar({
        format: `${phase.padEnd(16)} [{bar}] {percentage}% {value}/{total} {duration_formatted}`,
        hideCursor: true,
        stream: process.stderr,
      });
      bar.start(total, 0);
    },
    advance(done) {
      bar?.update(done);
    },
    end(phase, seconds) {
      bar?.stop();
      process.stdout.write(`${phase}: ${seconds.toFixed(1)} s\n`);
    },
  };
}
