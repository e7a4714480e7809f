import { afterAll, beforeAll } from 'vitest';
import {
  createOwnDatabase,
  createOwnDataDir,
  type OwnDatabase,
  type OwnDatabaseOptions,
  type OwnDataDir,
} from '../../../test/own-database';
import { createDatabase, type Database } from '../src/client';

/** The two runtime modes a database test runs in: a PostgreSQL database, or an embedded PGlite folder. */
export type RuntimeMode = 'postgres' | 'embedded';

/**
 * A migrated database of the enclosing suite's own in `mode`, made before its tests and closed and removed
 * after them. Read it through the function returned: it exists once the suite has started.
 */
export function useMigratedDatabase(
  mode: RuntimeMode,
  options: OwnDatabaseOptions & { label: string },
): () => Database {
  let database: Database | undefined;
  let own: OwnDatabase | undefined;
  let ownDataDir: OwnDataDir | undefined;
  beforeAll(async () => {
    if (mode === 'postgres') {
      own = await createOwnDatabase(options);
      database = createDatabase({ databaseUrl: own.url, dataDir: '' });
    } else {
      ownDataDir = createOwnDataDir(options.label);
      database = createDatabase({ dataDir: ownDataDir.dataDir });
    }
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
    await own?.drop();
    ownDataDir?.remove();
  });
  return () => {
    if (!database) throw new Error('the database is made when the suite starts');
    return database;
  };
}
