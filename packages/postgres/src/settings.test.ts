import { MissingSettingError, WorldkitConfigError } from '@worldkit/core';
import { testProviderContext } from '@worldkit/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgres, postgresQueue, postgresStorage } from './providers.js';
import { resolvePostgresSettings } from './settings.js';

const ENV = [
  'WORLDKIT_POSTGRES_URL',
  'DATABASE_URL',
  'WORLDKIT_POSTGRES_SCHEMA',
  'WORLDKIT_POSTGRES_QUEUE_CONCURRENCY',
];
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
const clearEnv = () => {
  for (const name of ENV) delete process.env[name];
};

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('postgres settings', () => {
  it('without a connection string throws MissingSettingError naming the option and WORLDKIT_POSTGRES_URL', () => {
    clearEnv();
    const error = (() => {
      try {
        postgresStorage();
      } catch (caught) {
        return caught;
      }
    })();
    expect(MissingSettingError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/connectionString/);
    expect((error as Error).message).toMatch(/WORLDKIT_POSTGRES_URL/);
  });

  it('reads WORLDKIT_POSTGRES_URL first, then DATABASE_URL, and the explicit option over both', () => {
    clearEnv();
    process.env.DATABASE_URL = 'postgres://db-url/app';
    expect(resolvePostgresSettings().connectionString).toBe('postgres://db-url/app');
    process.env.WORLDKIT_POSTGRES_URL = 'postgresql://worldkit-url/app';
    expect(resolvePostgresSettings().connectionString).toBe('postgresql://worldkit-url/app');
    expect(
      resolvePostgresSettings({ connectionString: 'postgres://explicit/app' }).connectionString,
    ).toBe('postgres://explicit/app');
  });

  it('a malformed URL is a WorldkitConfigError that names where the value came from', () => {
    clearEnv();
    process.env.DATABASE_URL = 'mysql://nope';
    expect(() => resolvePostgresSettings()).toThrowError(
      /connectionString.*mysql:\/\/nope.*from env DATABASE_URL/s,
    );
    try {
      resolvePostgresSettings({ connectionString: 'http://wrong' });
    } catch (error) {
      expect(WorldkitConfigError.is(error)).toBe(true);
      expect((error as WorldkitConfigError).problems[0]).toMatchObject({
        key: 'connectionString',
        envVar: 'WORLDKIT_POSTGRES_URL',
      });
    }
  });

  it('validates the schema name and the pool sizing', () => {
    clearEnv();
    const base = { connectionString: 'postgres://host/db' };
    expect(resolvePostgresSettings(base).schema).toBe('worldkit');
    process.env.WORLDKIT_POSTGRES_SCHEMA = 'from_env';
    expect(resolvePostgresSettings(base).schema).toBe('from_env');
    expect(() => resolvePostgresSettings({ ...base, schema: 'Bad-Name; DROP' })).toThrowError(
      WorldkitConfigError,
    );
    expect(() => resolvePostgresSettings({ ...base, pool: { max: 0 } })).toThrowError(/pool/);
    expect(
      resolvePostgresSettings({ ...base, pool: { max: 4, idleTimeoutMs: 500 } }).sizing,
    ).toEqual({
      max: 4,
      idleTimeoutMs: 500,
    });
  });

  it('still accepts the deprecated pool.*Millis spellings for one release', () => {
    clearEnv();
    const base = { connectionString: 'postgres://host/db' };
    expect(
      resolvePostgresSettings({
        ...base,
        pool: { idleTimeoutMillis: 500, connectionTimeoutMillis: 250 },
      }).sizing,
    ).toEqual({ idleTimeoutMs: 500, connectionTimeoutMs: 250 });
    expect(() =>
      resolvePostgresSettings({
        ...base,
        pool: { connectionTimeoutMs: 100, connectionTimeoutMillis: 250 },
      }),
    ).toThrowError(/pool\.connectionTimeoutMillis: expected unset when pool\.connectionTimeoutMs/);
  });

  it('accepts an existing pg.Pool instead of a connection string', () => {
    clearEnv();
    const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1:1/never' });
    const resolved = resolvePostgresSettings({ pool });
    expect(resolved.existingPool).toBe(pool);
    expect(resolved.connectionString).toBeUndefined();
  });

  it('validates queue options through the same helper', () => {
    clearEnv();
    const base = { connectionString: 'postgres://host/db' };
    process.env.WORLDKIT_POSTGRES_QUEUE_CONCURRENCY = 'lots';
    expect(() => postgresQueue(base)).toThrowError(
      /concurrency.*WORLDKIT_POSTGRES_QUEUE_CONCURRENCY/s,
    );
    delete process.env.WORLDKIT_POSTGRES_QUEUE_CONCURRENCY;
    expect(() => postgresQueue({ ...base, pollIntervalMs: -1 })).toThrowError(/pollIntervalMs/);
  });

  it('builds every provider synchronously without connecting (an unreachable host is fine)', () => {
    clearEnv();
    const parts = postgres({ connectionString: 'postgres://127.0.0.1:1/unreachable' });
    expect(parts.storage).toMatchObject({
      slot: 'storage',
      packageName: '@worldkit/postgres',
      specificationVersion: 'v1',
      capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: true },
    });
    expect(parts.storage.versions?.slot).toBe('versions');
    expect(parts.queue.capabilities).toEqual({
      maxDelaySeconds: null,
      idempotencyKeys: true,
      durable: true,
      concurrency: 10,
    });
    expect(parts.streamer.capabilities).toEqual({ liveTailing: true, durable: true });
    expect(parts.versions.capabilities).toEqual({ durable: true });
    const context = testProviderContext({ deploymentId: 'dpl' });
    // Instances are created without I/O too; nothing fails until they are used.
    expect(() => parts.storage.create(context)).not.toThrow();
    expect(() => parts.streamer.create(context)).not.toThrow();
  });
});
