import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One fresh Postgres database, Redis prefix and queue name per run: runs never see each other's data.
    globalSetup: ['./test/global-setup.ts'],
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
