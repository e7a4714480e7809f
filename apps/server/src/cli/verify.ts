import { verifyLedger } from '@tekana/db';
import { runCommand, withDatabase } from './run-command';

/** `pnpm verify`: checks the ledger invariants (README, "Money model"); exits 1 and names every offender on a difference. */
runCommand(() =>
  withDatabase(async (database) => {
    const problems = await verifyLedger(database.db);
    if (problems.length === 0) {
      process.stdout.write(
        'Ledger verified: every wallet balance equals its credits minus debits, every currency sums to 0, every reversal links a REVERSED original, every held balance equals its pending holds, every posting names wallets and a transaction type that exist.\n',
      );
      return 0;
    }
    for (const problem of problems) process.stderr.write(`${problem.check}: ${problem.message}\n`);
    process.stderr.write(`Ledger verification failed: ${problems.length} problem(s).\n`);
    return 1;
  }),
);
