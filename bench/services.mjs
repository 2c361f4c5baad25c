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
 * To benchmark a World on other services, add an entry here and name it in that World's
 * `needs` (see worlds/*.mjs).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The server launchers live in their own package, which loads outside a vitest run. */
function testingServers() {
  return import('@worldkit/test-servers');
}

/** A name safe for every service here (table, queue): letters, digits, `_` and `-`. */
function isolatedName(prefix, key) {
  return `${prefix}-${key.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}`;
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
      return { url: server.url, prefix: isolatedName('bench', key) };
    },
  },
  dynamodb: {
    /** DynamoDB Local (Amazon's Java emulator), in memory, on 127.0.0.1. Needs Java 17+. */
    async start() {
      const { startDynamoDbLocal } = await testingServers();
      return startDynamoDbLocal();
    },
    /** One DynamoDB Local, a table per worker run (created by the World's setup()). */
    isolate(server, key) {
      return { endpoint: server.endpoint, region: 'us-east-1', table: isolatedName('bench', key) };
    },
  },
  sqs: {
    /** fauxqs (an in-memory SQS emulator in a Node child process) on 127.0.0.1. */
    async start() {
      const { startFauxqs } = await testingServers();
      const server = await startFauxqs();
      return { ...server, url: server.endpoint };
    },
    /** One fauxqs, a queue (and its dead-letter queue) per worker run, created on first use. */
    isolate(server, key) {
      return {
        endpoint: server.endpoint,
        region: server.region,
        // SQS queue names are at most 80 characters, and setup adds `-dlq`.
        queueName: isolatedName('bench', key).slice(0, 76),
      };
    },
  },
};
