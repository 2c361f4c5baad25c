import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packageSource = (name: string) =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  // Tests run against package sources, so a change is tested without rebuilding first.
  resolve: {
    alias: [
      {
        // Internals Worldkit's packages share: the same module instance as the root entry's.
        find: /^@worldkit\/core\/internal$/,
        replacement: fileURLToPath(new URL('./packages/core/src/internal.ts', import.meta.url)),
      },
      {
        find: /^@worldkit\/(core|local|testing|test-servers|http|postgres|redis|dynamodb|sqs|provider)$/,
        replacement: packageSource('$1'),
      },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    setupFiles: ['./test/setup/polyfills.ts'],
    // Collects the figures the reliability tests measure and prints them as a table at the end.
    globalSetup: ['./test/setup/reliability-report.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites share local servers and real workflow bundles; files run in separate forks.
    pool: 'forks',
  },
});
