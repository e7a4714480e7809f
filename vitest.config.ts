import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One fresh Postgres database, Redis prefix and queue name per run: runs never see each other's data.
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['apps/server/test/faults/**'],
        },
      },
      {
        // Crashes and freezes of a Postgres, a Redis and processes of its own, under load: run on its own
        // (`pnpm test:faults`), after the suite, so that neither slows the other's deadlines.
        extends: true,
        // One file at a time: each runs its own database servers and 32 posters against deadlines.
        test: { name: 'faults', include: ['apps/server/test/faults/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
