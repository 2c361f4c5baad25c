import pg from 'pg';
import { DEFAULT_CONNECTION_TIMEOUT_MS, type ResolvedPostgresSettings } from '../settings.js';
import { migrate } from './migrate.js';
import { NotificationHub } from './notification-hub.js';
import { sendUnnamed } from './prepared-statements.js';
import { type TableNames, tableNames } from './table-names.js';

/** What a part (storage, streamer, queue, version store) uses to reach the database. */
export interface PostgresConnection {
  readonly pool: pg.Pool;
  readonly tables: TableNames;
  /** Resolves once the schema is migrated; runs `migrate()` once per pool and process. */
  ready(): Promise<void>;
  /** The process-wide LISTEN connection for this pool. */
  notifications(): NotificationHub;
  /** Gives the connection back; the last release ends a pool this package created. */
  release(): Promise<void>;
}

interface SharedEntry {
  key: string;
  pool: pg.Pool;
  ownsPool: boolean;
  schema: string;
  references: number;
  migration: Promise<void> | undefined;
  hub: NotificationHub | undefined;
}

const entries = new Map<string, SharedEntry>();
const suppliedPoolIds = new WeakMap<pg.Pool, number>();
let nextSuppliedPoolId = 1;

function keyOf(settings: ResolvedPostgresSettings): string {
  if (settings.existingPool) {
    let id = suppliedPoolIds.get(settings.existingPool);
    if (id === undefined) {
      id = nextSuppliedPoolId++;
      suppliedPoolIds.set(settings.existingPool, id);
    }
    return `pool#${id}|${settings.schema}`;
  }
  return `${settings.connectionString}|${settings.schema}`;
}

function createPool(settings: ResolvedPostgresSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.sizing.max,
    idleTimeoutMillis: settings.sizing.idleTimeoutMs,
    connectionTimeoutMillis: settings.sizing.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    // TCP keep-alive notices a peer that vanished without closing (failover) on idle sockets,
    // including the LISTEN connection, which otherwise waits forever for notifications.
    keepAlive: true,
    ssl: settings.ssl,
  });
  // An idle connection dropped by the server (failover, idle timeout) must not crash the
  // process; pg discards the client and the next query opens a fresh one.
  pool.on('error', () => undefined);
  // A checked-out client can emit 'error' more than once when the server goes away (pg-pool's
  // own query listener is `once`); a second emission with no listener would crash the process.
  // Queries in flight still reject with the error, so a permanent listener only absorbs it.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/**
 * One pool per (connection string or supplied pool, schema) per process, shared by every part
 * and counted by reference. Synchronous: the pool connects on its first query.
 */
export function acquireConnection(settings: ResolvedPostgresSettings): PostgresConnection {
  const key = keyOf(settings);
  let entry = entries.get(key);
  if (!entry) {
    entry = {
      key,
      pool: settings.existingPool ?? createPool(settings),
      ownsPool: !settings.existingPool,
      schema: settings.schema,
      references: 0,
      migration: undefined,
      hub: undefined,
    };
    entries.set(key, entry);
  }
  entry.references++;
  // One part asking for unnamed statements is enough: they share the pool's connections.
  if (!settings.preparedStatements) sendUnnamed(entry.pool);
  const shared = entry;
  let released = false;
  return {
    pool: shared.pool,
    tables: tableNames(shared.schema),
    ready() {
      shared.migration ??= migrate(shared.pool, shared.schema).then(
        () => undefined,
        (error: unknown) => {
          // Let the next caller try again (the database may have been briefly unreachable).
          shared.migration = undefined;
          throw error;
        },
      );
      return shared.migration;
    },
    notifications() {
      shared.hub ??= new NotificationHub(shared.pool);
      return shared.hub;
    },
    async release() {
      if (released) return;
      released = true;
      shared.references--;
      if (shared.references > 0) return;
      if (entries.get(shared.key) === shared) entries.delete(shared.key);
      await shared.hub?.close();
      await shared.migration?.catch(() => undefined);
      if (shared.ownsPool) await shared.pool.end();
    },
  };
}

/**
 * A lazily acquired connection for one part: acquired on first use, released by `close()`,
 * and acquired again if the part is used after closing.
 */
export function lazyConnection(settings: ResolvedPostgresSettings) {
  let current: PostgresConnection | undefined;
  return {
    get(): PostgresConnection {
      current ??= acquireConnection(settings);
      return current;
    },
    /** The connection with the schema migrated. */
    async ready(): Promise<PostgresConnection> {
      const connection = this.get();
      await connection.ready();
      return connection;
    },
    async close(): Promise<void> {
      const connection = current;
      current = undefined;
      await connection?.release();
    },
  };
}
