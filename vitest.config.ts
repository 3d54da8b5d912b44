import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real sockets and child processes: run files in separate processes, two at a time (2 cores).
    pool: 'forks',
    maxWorkers: 2,
    // .ci/run names a report per Node version through VITEST_JSON.
    reporters: ['default', ['json', { outputFile: process.env['VITEST_JSON'] ?? 'reports/vitest.json' }]],
  },
});
