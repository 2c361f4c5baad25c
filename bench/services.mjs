/**
 * The backing services a benchmarked World can need, started once per benchmark by run.mjs
 * (on free 127.0.0.1 ports, stopped by PID at the end) and shared by every World.
 *
 * Each service has:
 *   start()                  → a running server ({ url, stop() , … })
 *   isolate(server, key)     → the connection settings for ONE worker run, namespaced by `key`
 *                              (a fresh database, a key prefix, …) so runs of different Worlds
 *                              and rounds never see each other's data
 *
 * To benchmark a World on other services (e.g. DynamoDB + SQS), add an entry here and name it
 * in that World's `needs` (see worlds/*.mjs).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * `@worldkit/testing`'s entry point imports vitest (its suites), which refuses to load outside
 * a vitest run; the server helpers live in their own module, imported by file.
 */
async function testingServers() {
  const packageJson = import.meta.resolve('@worldkit/testing/package.json');
  return import(new URL('./dist/servers/index.js', packageJson).href);
}

export const SERVICES = {
  postgres: {
    async start() {
      const { startPostgresServer, findPostgresBinaries } = await testingServers();
      const server = await startPostgresServer();
      return { ...server, bin: findPostgresBinaries() };
    },
    /** A database of its own per worker run: `createdb`, then the URL points at it. */
    isolate(server, key) {
      const database = `bench_${key.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
      execFileSync(
        join(server.bin, 'createdb'),
        ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', database],
        { stdio: 'pipe' },
      );
      const url = new URL(server.url);
      url.pathname = `/${database}`;
      return { url: url.href, database };
    },
  },
  redis: {
    async start() {
      const { startRedisServer } = await testingServers();
      return startRedisServer();
    },
    /** One Redis, a key prefix per worker run. */
    isolate(server, key) {
      return { url: server.url, prefix: `bench-${key.replace(/[^a-z0-9-]/gi, '-')}` };
    },
  },
};
