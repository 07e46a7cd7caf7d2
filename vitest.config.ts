import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: {
    resolve: {
      // Tests run against the TypeScript sources of the workspace packages (see each package's "exports").
      conditions: ['@portcullis/source'],
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Suites that need a program the machine lacks (redis-server) skip; this says so once, or fails in CI.
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
  },
});
