import { MissingSettingError, WorldkitConfigError } from '@worldkit/core';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { bullmqQueue, redisStreamer } from './providers.js';
import {
  CONCURRENCY_ENV,
  DEFAULT_CONCURRENCY,
  DEFAULT_LOCK_DURATION_MS,
  DEFAULT_PREFIX,
  FALLBACK_URL_ENV,
  LOCK_DURATION_ENV,
  PREFIX_ENV,
  resolveRedisSettings,
  URL_ENV,
} from './settings.js';

const ENV_VARS = [URL_ENV, FALLBACK_URL_ENV, PREFIX_ENV, CONCURRENCY_ENV, LOCK_DURATION_ENV];
// Each test starts from an environment without these variables; the originals come back after.
const saved = Object.fromEntries(ENV_VARS.map((name) => [name, process.env[name]]));
beforeEach(() => {
  for (const name of ENV_VARS) delete process.env[name];
});
afterAll(() => {
  for (const name of ENV_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('redis settings', () => {
  it('fills defaults around an explicit url', () => {
    expect(resolveRedisSettings({ url: 'redis://127.0.0.1:7000' })).toMatchObject({
      url: 'redis://127.0.0.1:7000',
      connection: undefined,
      prefix: DEFAULT_PREFIX,
      concurrency: DEFAULT_CONCURRENCY,
      lockDurationMs: DEFAULT_LOCK_DURATION_MS,
    });
  });

  it('reads WORLDKIT_REDIS_URL first, then REDIS_URL', () => {
    process.env[FALLBACK_URL_ENV] = 'redis://fallback:6379';
    expect(resolveRedisSettings().url).toBe('redis://fallback:6379');
    process.env[URL_ENV] = 'rediss://primary:6380';
    expect(resolveRedisSettings().url).toBe('rediss://primary:6380');
    expect(resolveRedisSettings({ url: 'redis://explicit:1' }).url).toBe('redis://explicit:1');
  });

  it('names the option and both env vars when no url is given', () => {
    const resolve = () => resolveRedisSettings({});
    expect(resolve).toThrow(MissingSettingError);
    expect(resolve).toThrow(
      '@worldkit/redis: option "url" is required (expected a redis:// or rediss:// URL, or an ioredis client as "connection"); pass it to the provider or set env WORLDKIT_REDIS_URL (or REDIS_URL).',
    );
  });

  it('says when a bad url came from the environment', () => {
    process.env[URL_ENV] = 'http://not-redis';
    expect(() => resolveRedisSettings()).toThrow(WorldkitConfigError);
    expect(() => resolveRedisSettings()).toThrow(
      /url: expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/not-redis" \(from env WORLDKIT_REDIS_URL\)/,
    );
  });

  it('reads prefix and concurrency from the environment and validates them', () => {
    process.env[PREFIX_ENV] = 'tenant-a';
    process.env[CONCURRENCY_ENV] = '8';
    expect(resolveRedisSettings({ url: 'redis://h:1' })).toMatchObject({
      prefix: 'tenant-a',
      concurrency: 8,
    });
    expect(() => resolveRedisSettings({ url: 'redis://h:1', prefix: 'has:colon' })).toThrow(
      /prefix: expected a key prefix/,
    );
    expect(() => resolveRedisSettings({ url: 'redis://h:1', concurrency: 0 })).toThrow(
      /concurrency: expected a whole number from 1 to 10000.*WORLDKIT_REDIS_CONCURRENCY/,
    );
  });

  it('takes lockDurationMs from the option, else the environment, and validates both', () => {
    expect(resolveRedisSettings({ url: 'redis://h:1', lockDurationMs: 5_000 }).lockDurationMs).toBe(
      5_000,
    );
    process.env[LOCK_DURATION_ENV] = '7500';
    expect(resolveRedisSettings({ url: 'redis://h:1' }).lockDurationMs).toBe(7_500);
    expect(resolveRedisSettings({ url: 'redis://h:1', lockDurationMs: 2_000 }).lockDurationMs).toBe(
      2_000,
    );

    expect(() => resolveRedisSettings({ url: 'redis://h:1', lockDurationMs: 500 })).toThrow(
      WorldkitConfigError,
    );
    expect(() => resolveRedisSettings({ url: 'redis://h:1', lockDurationMs: 1_500.5 })).toThrow(
      /lockDurationMs: expected a whole number of milliseconds from 1000 to 3600000.*WORLDKIT_REDIS_LOCK_DURATION_MS/,
    );
    process.env[LOCK_DURATION_ENV] = 'soon';
    expect(() => resolveRedisSettings({ url: 'redis://h:1' })).toThrow(
      /lockDurationMs: expected a whole number of milliseconds from 1000 to 3600000, got "soon" \(from env WORLDKIT_REDIS_LOCK_DURATION_MS\)/,
    );
  });

  it('needs no url when given an ioredis connection, and never connects it', () => {
    const connection = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
    const resolved = resolveRedisSettings({ connection });
    expect(resolved.connection).toBe(connection);
    expect(resolved.url).toBeUndefined();
    expect(connection.status).toBe('wait');
    expect(() => resolveRedisSettings({ connection: {} as Redis })).toThrow(
      /connection: expected an ioredis client/,
    );
  });

  it('rejects unknown options by name', () => {
    expect(() =>
      resolveRedisSettings({ url: 'redis://h:1', urll: 'typo' } as unknown as { url: string }),
    ).toThrow(/urll: expected no such option/);
  });

  it('providers fail at composition time, not on first use', () => {
    expect(() => bullmqQueue()).toThrow(MissingSettingError);
    expect(() => redisStreamer({ url: 'ftp://x' })).toThrow(WorldkitConfigError);
  });

  it('providers declare the contract and capabilities', () => {
    const queue = bullmqQueue({ url: 'redis://h:1', concurrency: 7 });
    expect(queue).toMatchObject({
      slot: 'queue',
      specificationVersion: 'v1',
      packageName: '@worldkit/redis',
      capabilities: { maxDelaySeconds: null, idempotencyKeys: true, durable: true, concurrency: 7 },
    });
    expect(redisStreamer({ url: 'redis://h:1' })).toMatchObject({
      slot: 'streamer',
      packageName: '@worldkit/redis',
      capabilities: { liveTailing: true, durable: true },
    });
  });
});
