import type { ConnectionOptions } from 'node:tls';
import { describeValue, resolveSetting, WorldkitConfigError } from '@worldkit/core';
import pg from 'pg';
import { z } from 'zod';

export const PACKAGE_NAME = '@worldkit/postgres';

/** Pool sizing for a pool this package creates. */
export interface PoolSizing {
  /** Most connections this process opens (pg default 10). Keep the sum over all processes below RDS `max_connections`. */
  max?: number;
  /** How long an idle connection stays open, in ms (pg default 10 000). */
  idleTimeoutMs?: number;
  /**
   * How long opening a connection may take before the query fails, in ms (default 10 000; `0`
   * waits forever, pg's own default). Without a bound, a network that drops packets silently
   * (a failover, a security group change) would hang every query and `close()` with it.
   */
  connectionTimeoutMs?: number;
  /** @deprecated Use `idleTimeoutMs` (same value); this spelling goes in the next minor release. */
  idleTimeoutMillis?: number;
  /** @deprecated Use `connectionTimeoutMs` (same value); this spelling goes in the next minor release. */
  connectionTimeoutMillis?: number;
}

/** Pool sizing after validation, deprecated spellings folded into the current ones. */
export interface ResolvedPoolSizing {
  max?: number;
  idleTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

/** Default for `pool.connectionTimeoutMs`. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

/**
 * Options shared by every part (storage, version store, streamer, queue). Parts built from the
 * same `connectionString` (or the same `pool`) and `schema` share one pool in this process.
 */
export interface PostgresSettings {
  /** `postgres://user:pass@host:5432/db`; falls back to env `WORLDKIT_POSTGRES_URL`, then `DATABASE_URL`. */
  connectionString?: string;
  /** Schema holding Worldkit's tables (created by `migrate()`); env `WORLDKIT_POSTGRES_SCHEMA`, default `worldkit`. */
  schema?: string;
  /** Pool sizing for the pool this package creates, or an existing `pg.Pool` to use as-is (never ended by Worldkit). */
  pool?: PoolSizing | pg.Pool;
  /**
   * TLS options passed to `pg` (`true`, or Node TLS options). For Amazon RDS use
   * `{ rejectUnauthorized: true, ca: readFileSync('global-bundle.pem', 'utf8') }` with the RDS CA bundle.
   */
  ssl?: boolean | ConnectionOptions;
  /**
   * Send statements as named prepared statements (default `true`): PostgreSQL plans each once
   * per connection, which halves an event write's time. Set `false` behind a pooler that does
   * not keep them per client — PgBouncer in transaction mode before 1.21, or RDS Proxy (which
   * would pin every connection). Env `WORLDKIT_POSTGRES_PREPARED_STATEMENTS`.
   */
  preparedStatements?: boolean;
}

/** Settings after env fallbacks and validation. */
export interface ResolvedPostgresSettings {
  connectionString: string | undefined;
  schema: string;
  existingPool: pg.Pool | undefined;
  sizing: ResolvedPoolSizing;
  ssl: boolean | ConnectionOptions | undefined;
  preparedStatements: boolean;
}

const connectionStringSchema = z
  .string()
  .regex(/^postgres(?:ql)?:\/\/\S+$/, 'expected a postgres:// URL');
const schemaNameSchema = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);
const preparedStatementsSchema = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((text) => text === 'true' || text === '1'),
]);
const poolSizingSchema = z.strictObject({
  max: z.number().int().positive().optional(),
  idleTimeoutMs: z.number().int().nonnegative().optional(),
  connectionTimeoutMs: z.number().int().nonnegative().optional(),
  // Deprecated spellings (pg's own option names), accepted for one release.
  idleTimeoutMillis: z.number().int().nonnegative().optional(),
  connectionTimeoutMillis: z.number().int().nonnegative().optional(),
});

/** The deprecated pool option each current one replaces. */
const DEPRECATED_POOL_OPTIONS = [
  ['idleTimeoutMs', 'idleTimeoutMillis'],
  ['connectionTimeoutMs', 'connectionTimeoutMillis'],
] as const;

const CONNECTION_EXPECTED = 'a postgres:// connection string';

/**
 * Validates options and applies env fallbacks. Synchronous and free of I/O, so a bad
 * `world.config.ts` fails when it is composed, with an error naming the option and variable.
 */
export function resolvePostgresSettings(settings: PostgresSettings = {}): ResolvedPostgresSettings {
  const existingPool = isPool(settings.pool) ? settings.pool : undefined;
  const sizingInput = existingPool ? {} : (settings.pool ?? {});
  const sizing = poolSizingSchema.safeParse(sizingInput);
  if (!sizing.success) {
    throw new WorldkitConfigError(
      [
        {
          key: 'pool',
          expected:
            'a pg.Pool or { max?: positive integer, idleTimeoutMs?: integer ≥ 0, connectionTimeoutMs?: integer ≥ 0 }',
          // describeValue: JSON.stringify throws on BigInt and would print a URL's password.
          received: describeValue(sizingInput),
        },
      ],
      `${PACKAGE_NAME} options`,
    );
  }
  const { max, idleTimeoutMs, connectionTimeoutMs } = sizing.data;
  const resolvedSizing: ResolvedPoolSizing = { max, idleTimeoutMs, connectionTimeoutMs };
  for (const [current, deprecated] of DEPRECATED_POOL_OPTIONS) {
    const old = sizing.data[deprecated];
    if (old === undefined) continue;
    if (sizing.data[current] !== undefined && sizing.data[current] !== old) {
      throw new WorldkitConfigError(
        [
          {
            key: `pool.${deprecated}`,
            expected: `unset when pool.${current} is given (it is the deprecated name of pool.${current})`,
            received: describeValue(old),
          },
        ],
        `${PACKAGE_NAME} options`,
      );
    }
    resolvedSizing[current] = old;
  }
  for (const key of Object.keys(resolvedSizing) as (keyof ResolvedPoolSizing)[]) {
    if (resolvedSizing[key] === undefined) delete resolvedSizing[key];
  }
  const schema = resolveSetting(
    {
      packageName: PACKAGE_NAME,
      option: 'schema',
      envVar: 'WORLDKIT_POSTGRES_SCHEMA',
      schema: schemaNameSchema,
      expected: 'a lower-case SQL identifier such as worldkit',
    },
    settings.schema,
    'worldkit',
  );
  const preparedStatements = resolveSetting<boolean>(
    {
      packageName: PACKAGE_NAME,
      option: 'preparedStatements',
      envVar: 'WORLDKIT_POSTGRES_PREPARED_STATEMENTS',
      schema: preparedStatementsSchema as z.ZodType<boolean>,
      expected: 'true or false',
    },
    settings.preparedStatements,
    true,
  );
  return {
    connectionString: existingPool ? settings.connectionString : resolveConnectionString(settings),
    schema,
    existingPool,
    sizing: resolvedSizing,
    ssl: settings.ssl,
    preparedStatements,
  };
}

/** The explicit option wins, then `WORLDKIT_POSTGRES_URL`, then the conventional `DATABASE_URL`. */
function resolveConnectionString(settings: PostgresSettings): string {
  const spec = {
    packageName: PACKAGE_NAME,
    option: 'connectionString',
    envVar: 'WORLDKIT_POSTGRES_URL',
    schema: connectionStringSchema,
    expected: `${CONNECTION_EXPECTED} (DATABASE_URL is read too)`,
  };
  const worldkitUrl = process.env.WORLDKIT_POSTGRES_URL;
  if (settings.connectionString === undefined && !worldkitUrl && process.env.DATABASE_URL) {
    // Named as DATABASE_URL so a bad value there is reported against the variable that held it.
    return resolveSetting(
      { ...spec, envVar: 'DATABASE_URL', expected: CONNECTION_EXPECTED },
      undefined,
    );
  }
  return resolveSetting(spec, settings.connectionString);
}

function isPool(value: unknown): value is pg.Pool {
  return (
    value instanceof pg.Pool ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as pg.Pool).connect === 'function' &&
      typeof (value as pg.Pool).query === 'function')
  );
}
