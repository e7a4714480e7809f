import { ConfigError } from '@tekana/contracts';
import { createDatabase, type Database, DataDirLockedError } from '@tekana/db';
import { databaseSettings, loadConfig } from '../config';

/** Runs a command line tool: expected failures print one clear line, and the exit code says how it went. */
export function runCommand(main: () => Promise<number>): void {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      const known =
        error instanceof ConfigError ||
        error instanceof DataDirLockedError ||
        (error instanceof Error && error.name === 'DomainError');
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${known ? message : `Failed: ${message}`}\n`);
      process.exit(1);
    });
}

/**
 * Opens the configured database (DATABASE_URL, or the embedded one, whose folder lock it then holds),
 * migrates it so the command works on a brand-new database, runs `use`, and closes it.
 */
export async function withDatabase<T>(use: (database: Database, where: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = createDatabase({ ...databaseSettings(config), maxConnections: 1 });
  try {
    await database.migrate();
    const where = database.kind === 'embedded' ? `the embedded database in ${config.DATA_DIR}` : 'PostgreSQL';
    return await use(database, where);
  } finally {
    await database.close();
  }
}
