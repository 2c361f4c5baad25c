import {
  describeValue,
  type Logger,
  MissingSettingError,
  resolveSetting,
  WorldkitConfigError,
} from '@worldkit/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';

export const PACKAGE_NAME = '@worldkit/redis';

/** Read first, then the conventional `REDIS_URL`, so a platform-provided Redis works as-is. */
export const URL_ENV = 'WORLDKIT_REDIS_URL';
export const FALLBACK_URL_ENV = 'REDIS_URL';
export const PREFIX_ENV = 'WORLDKIT_REDIS_PREFIX';
export const CONCURRENCY_ENV = 'WORLDKIT_REDIS_CONCURRENCY';
export const LOCK_DURATION_ENV = 'WORLDKIT_REDIS_LOCK_DURATION_MS';

export const DEFAULT_PREFIX = 'worldkit';
/**
 * Deliveries in flight at once per process. Handlers mostly wait on storage and network, so
 * the limit bounds memory and the load on the storage backend rather than CPU; 100 matches
 * the embedded local queue.
 */
export const DEFAULT_CONCURRENCY = 100;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
/**
 * How long a delivery's BullMQ lock lasts (renewed every half of it while the handler runs),
 * and how often the Worker looks for jobs whose lock lapsed. After a crash, the dead process'
 * deliveries come back within about twice this. BullMQ's own default.
 */
export const DEFAULT_LOCK_DURATION_MS = 30_000;

/** What users pass to `bullmqQueue(...)` / `redisStreamer(...)`. */
export interface RedisSettings {
  /** `redis://` or `rediss://` URL; falls back to env `WORLDKIT_REDIS_URL`, then `REDIS_URL`. */
  url?: string;
  /** Namespace of every key Worldkit writes (default `worldkit`, env `WORLDKIT_REDIS_PREFIX`). */
  prefix?: string;
  /** Queue only: deliveries in flight at once in this process (default 100, env `WORLDKIT_REDIS_CONCURRENCY`). */
  concurrency?: number;
  /**
   * An ioredis client to use instead of `url`. Worldkit never closes it (its owner does) and
   * opens dedicated duplicates of it for blocking reads. It must not use ioredis `keyPrefix`.
   */
  connection?: Redis;
  /**
   * Queue only: how long a delivery's lock lasts, and how often lapsed locks are looked for
   * (default 30000, env `WORLDKIT_REDIS_LOCK_DURATION_MS`). Shorter: a crashed process'
   * deliveries come back sooner, at the cost of more lock renewals.
   */
  lockDurationMs?: number;
  /** How long `close()` waits for deliveries in flight before closing anyway (default 10 s). */
  closeTimeoutMs?: number;
  logger?: Logger;
}

/** Settings after env fallbacks and validation; exactly one of `url` and `connection` is set. */
export interface ResolvedRedisSettings {
  url: string | undefined;
  connection: Redis | undefined;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  closeTimeoutMs: number;
  logger: Logger | undefined;
}

const KNOWN_OPTIONS = new Set([
  'url',
  'prefix',
  'concurrency',
  'lockDurationMs',
  'connection',
  'closeTimeoutMs',
  'logger',
]);

const urlSchema = z.string().regex(/^rediss?:\/\/\S*$/);
const URL_EXPECTED = 'a redis:// or rediss:// URL';

// Colons are Redis' own key separator and whitespace breaks CLI inspection.
const prefixSchema = z.string().regex(/^[A-Za-z0-9_.{}-]+$/);
const PREFIX_EXPECTED = 'a key prefix of letters, digits, _ . - { }';

const concurrencySchema = z.coerce.number().int().positive().max(10_000);
const CONCURRENCY_EXPECTED = 'a whole number from 1 to 10000';

// Below a second, lock renewals (every half of it) would compete with the deliveries
// themselves; an hour bounds how long a crash can hold a delivery back.
const lockDurationSchema = z.coerce.number().int().min(1_000).max(3_600_000);
const LOCK_DURATION_EXPECTED = 'a whole number of milliseconds from 1000 to 3600000';

/** Duck-typed so clients from another copy of ioredis (or a subclass) are accepted. */
const connectionSchema = z.custom<Redis>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Redis).duplicate === 'function' &&
    typeof (value as Redis).sendCommand === 'function',
);

/**
 * Resolves and validates settings synchronously (no I/O), so a bad config fails when the
 * World is composed, with errors that name the option and its environment variable.
 */
export function resolveRedisSettings(settings: RedisSettings = {}): ResolvedRedisSettings {
  const unknown = Object.keys(settings).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw new WorldkitConfigError(
      unknown.map((key) => ({
        key,
        expected: 'no such option (check the spelling)',
        received: describeValue(settings[key as keyof RedisSettings]),
      })),
      `${PACKAGE_NAME} options`,
    );
  }

  let connection: Redis | undefined;
  if (settings.connection !== undefined) {
    if (!connectionSchema.safeParse(settings.connection).success) {
      throw new WorldkitConfigError(
        [
          {
            key: 'connection',
            expected: 'an ioredis client (new Redis(...))',
            received: describeValue(settings.connection),
          },
        ],
        `${PACKAGE_NAME} options`,
      );
    }
    connection = settings.connection;
  }

  return {
    url: connection ? undefined : resolveUrl(settings.url),
    connection,
    prefix: resolveSetting(
      {
        packageName: PACKAGE_NAME,
        option: 'prefix',
        envVar: PREFIX_ENV,
        schema: prefixSchema,
        expected: PREFIX_EXPECTED,
      },
      settings.prefix,
      DEFAULT_PREFIX,
    ),
    concurrency: resolveSetting(
      {
        packageName: PACKAGE_NAME,
        option: 'concurrency',
        envVar: CONCURRENCY_ENV,
        schema: concurrencySchema,
        expected: CONCURRENCY_EXPECTED,
      },
      settings.concurrency,
      DEFAULT_CONCURRENCY,
    ),
    lockDurationMs: resolveSetting(
      {
        packageName: PACKAGE_NAME,
        option: 'lockDurationMs',
        envVar: LOCK_DURATION_ENV,
        schema: lockDurationSchema,
        expected: LOCK_DURATION_EXPECTED,
      },
      settings.lockDurationMs,
      DEFAULT_LOCK_DURATION_MS,
    ),
    closeTimeoutMs: resolveCloseTimeout(settings.closeTimeoutMs),
    logger: settings.logger,
  };
}

function resolveUrl(url: string | undefined): string {
  const spec = {
    packageName: PACKAGE_NAME,
    option: 'url',
    schema: urlSchema,
    expected: URL_EXPECTED,
  };
  const fromPrimary = resolveSetting({ ...spec, envVar: URL_ENV }, url, undefined);
  if (fromPrimary !== undefined) return fromPrimary;
  const fromFallback = resolveSetting({ ...spec, envVar: FALLBACK_URL_ENV }, undefined, undefined);
  if (fromFallback !== undefined) return fromFallback;
  throw new MissingSettingError(
    PACKAGE_NAME,
    'url',
    `${URL_ENV} (or ${FALLBACK_URL_ENV})`,
    `${URL_EXPECTED}, or an ioredis client as "connection"`,
  );
}

function resolveCloseTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CLOSE_TIMEOUT_MS;
  if (Number.isInteger(value) && value >= 0) return value;
  throw new WorldkitConfigError(
    [
      {
        key: 'closeTimeoutMs',
        expected: 'a whole number of milliseconds',
        received: describeValue(value),
      },
    ],
    `${PACKAGE_NAME} options`,
  );
}
