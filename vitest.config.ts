import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    setupFiles: ['./test/setup/polyfills.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites share local servers and real workflow bundles; files run in separate forks.
    pool: 'forks',
  },
});
