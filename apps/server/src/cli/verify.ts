import { createDatabase, verifyLedger } from '@tekana/db';
import { loadConfig } from '../config';
import { runCommand } from './run-command';

/** `pnpm verify`: checks the ledger invariants of DESIGN.md; exits 1 and names every offender on a difference. */
runCommand(async () => {
  const config = loadConfig();
  const database = createDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    maxConnections: 1,
  });
  try {
    await database.migrate();
    const problems = await verifyLedger(database.db);
    if (problems.length === 0) {
      process.stdout.write(
        'Ledger verified: every wallet balance equals its credits minus debits, every currency sums to 0, every reversal links a REVERSED original.\n',
      );
      return 0;
    }
    for (const problem of problems) process.stderr.write(`${problem.check}: ${problem.message}\n`);
    process.stderr.write(`Ledger verification failed: ${problems.length} problem(s).\n`);
    return 1;
  } finally {
    await database.close();
  }
});
