/**
 * Counts the network requests a World really makes — SQL statements, Redis commands, DynamoDB
 * and SQS requests — by wrapping the client libraries' one request method in this process:
 * `pg`'s `Client.prototype.query` (a pooled query is a client query), ioredis'
 * `Redis.prototype.sendCommand` (BullMQ's Lua scripts are one `EVALSHA` each) and the AWS SDK's
 * `Client.prototype.send` (`@smithy/core/client`, shared by every v3 client).
 *
 * Every copy of each library the Worlds load is patched: the workspace packages and the peers
 * may resolve different versions (graphile-worker brings its own `pg`), so copies are found by
 * resolving each library from each World package's own directory, as Node does for them.
 *
 * A count is a request as the client sends it, not a packet: `pg` sends parse/bind/execute of
 * one query together, and a pipelined Redis batch is one round trip for several commands (each
 * counted). Blocking reads that wait for work (BullMQ's `BZPOPMIN`, SQS long polls, the
 * PostgreSQL queue's LISTEN connection) are counted too: they are requests the World makes.
 *
 * `within(label, fn)` runs `fn` in an AsyncLocalStorage context: every request sent from it or
 * from anything it awaits is also counted under that label (event-write-requests.mjs uses it to
 * attribute requests to the `events.create` call that caused them). The context follows
 * promises and callbacks, so a request is attributed to the caller that issued it, whatever
 * connection or batch carries it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** World packages (as the bench depends on them) whose client libraries are patched. */
const WORLD_PACKAGES = [
  '@worldkit/postgres',
  '@worldkit/redis',
  '@worldkit/dynamodb',
  '@worldkit/sqs',
  '@workflow/world-postgres',
];

/** Libraries a World package may load, and the packages they may load in turn. */
const NESTED = ['bullmq', 'graphile-worker', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs'];

export function countRoundTrips() {
  const counts = new Map();
  /** label → (kind → count), for requests sent inside `within(label, …)`. */
  const scoped = new Map();
  const scope = new AsyncLocalStorage();
  const add = (kind) => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    const label = scope.getStore();
    if (label === undefined) return;
    const byKind = scoped.get(label) ?? new Map();
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    scoped.set(label, byKind);
  };
  const patched = new Set();

  const patch = (prototype, method, kindOf) => {
    if (!prototype || patched.has(prototype)) return;
    const original = prototype[method];
    if (typeof original !== 'function') return;
    patched.add(prototype);
    prototype[method] = function countedRequest(...args) {
      add(kindOf(this, args));
      return original.apply(this, args);
    };
  };

  const patchFrom = (requireFrom) => {
    const load = (name) => {
      try {
        return requireFrom(name);
      } catch {
        return undefined;
      }
    };
    patch(load('pg')?.Client?.prototype, 'query', () => 'sql');
    patch(
      load('ioredis')?.Redis?.prototype ?? load('ioredis')?.prototype,
      'sendCommand',
      () => 'redis',
    );
    // The AWS SDK's client base class: `@smithy/core/client` in current releases, formerly
    // `@smithy/smithy-client` (both resolve to their CommonJS build under Node).
    for (const clientModule of ['@smithy/core/client', '@smithy/smithy-client']) {
      patch(load(clientModule)?.Client?.prototype, 'send', (client) => awsService(client));
    }
  };

  for (const name of WORLD_PACKAGES) {
    const directory = packageDirectory(name);
    if (!directory) continue;
    const requireFrom = createRequire(join(directory, 'package.json'));
    patchFrom(requireFrom);
    for (const nested of NESTED) {
      const nestedDirectory = resolvedPackageDirectory(requireFrom, nested);
      if (nestedDirectory) patchFrom(createRequire(join(nestedDirectory, 'package.json')));
    }
  }

  return {
    /** Forgets what was counted so far (e.g. the warm-up). */
    reset() {
      counts.clear();
      scoped.clear();
    },
    /** `{ total, byKind }` with kinds `sql`, `redis`, `dynamodb`, `sqs`. */
    snapshot() {
      return tally(counts);
    },
    /** Runs `fn` so that the requests it causes are also counted under `label`. */
    within(label, fn) {
      return scope.run(label, fn);
    },
    /** `{ total, byKind }` of the requests sent inside `within(label, …)`. */
    snapshotOf(label) {
      return tally(scoped.get(label) ?? new Map());
    },
  };
}

function tally(counts) {
  const byKind = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  return { total, byKind };
}

/** `dynamodb`, `sqs`, … from the client's configured service (AWS SDK v3). */
function awsService(client) {
  const name = client?.constructor?.name ?? '';
  if (name.includes('DynamoDB')) return 'dynamodb';
  if (name.includes('SQS')) return 'sqs';
  return name.replace(/Client$/, '').toLowerCase() || 'aws';
}

/** The real directory of a package the bench depends on (pnpm links it from the store). */
function packageDirectory(name) {
  try {
    return realpathSync(join(import.meta.dirname, 'node_modules', name));
  } catch {
    return undefined;
  }
}

/** Where `name` resolves from a package, found through its entry file. */
function resolvedPackageDirectory(requireFrom, name) {
  try {
    const entry = requireFrom.resolve(name);
    const marker = `${join('node_modules', name)}`;
    const at = entry.lastIndexOf(marker);
    return at < 0 ? undefined : entry.slice(0, at + marker.length);
  } catch {
    return undefined;
  }
}
