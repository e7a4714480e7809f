// What test/global-setup.ts provides to every test file through `inject`.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
    redisUrl: string;
    runId: string;
  }
}
