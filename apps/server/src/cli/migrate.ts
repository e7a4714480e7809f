import { runCommand, withDatabase } from './run-command';

/** `pnpm db:migrate`: applies pending migrations (and the default seed) to DATABASE_URL or the embedded database. */
runCommand(() =>
  withDatabase(async (_database, where) => {
    process.stdout.write(`Migrations applied to ${where}.\n`);
    return 0;
  }),
);
