import { createDatabase } from '@tekana/db';
import { loadConfig } from '../config';
import { runCommand } from './run-command';

/** `pnpm db:migrate`: applies pending migrations (and the default seed) to DATABASE_URL or the embedded database. */
runCommand(async () => {
  const config = loadConfig();
  const database = createDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    maxConnections: 1,
  });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  process.stdout.write(
    `Migrations applied to ${database.kind === 'embedded' ? `the embedded database in ${config.DATA_DIR}` : 'PostgreSQL'}.\n`,
  );
  return 0;
});
