import { describe, expect, it } from 'vitest';
import type { QueueProvider } from '../contracts/queue.js';
import type { StorageProvider } from '../contracts/storage.js';
import type { StreamerProvider } from '../contracts/streamer.js';
import { MissingCapabilityError, ProviderVersionError, WorldkitConfigError } from '../errors.js';
import { createWorld } from './create-world.js';

// Providers whose create() must never run: every case below has to fail during negotiation.
const unreachable = () => {
  throw new Error('create() was called although composition should have failed first');
};

const storage = (overrides: Partial<StorageProvider> = {}): StorageProvider => ({
  slot: 'storage',
  specificationVersion: 'v1',
  name: 'test-storage',
  packageName: '@example/storage',
  capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: false },
  create: unreachable,
  ...overrides,
});
const queue = (overrides: Partial<QueueProvider> = {}): QueueProvider => ({
  slot: 'queue',
  specificationVersion: 'v1',
  name: 'test-queue',
  packageName: '@example/queue',
  capabilities: { maxDelaySeconds: 900, idempotencyKeys: true, durable: false },
  create: unreachable,
  ...overrides,
});
const streamer = (overrides: Partial<StreamerProvider> = {}): StreamerProvider => ({
  slot: 'streamer',
  specificationVersion: 'v1',
  name: 'test-streamer',
  packageName: '@example/streamer',
  capabilities: { liveTailing: true, durable: false },
  create: unreachable,
  ...overrides,
});

function failure(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected createWorld to throw');
}

describe('createWorld rejects bad configs with one clear line per problem', () => {
  it('names the unknown option', () => {
    const error = failure(() =>
      createWorld({ storage: storage(), queue: queue(), streamer: streamer(), storag: 1 } as never),
    );
    expect(WorldkitConfigError.is(error)).toBe(true);
    expect(error.message).toBe(
      'Invalid world config:\n  - storag: expected no such option (check the spelling), got unknown key "storag"',
    );
  });

  it('names the key, the expected shape, what it got and the env var', () => {
    const error = failure(() =>
      createWorld({
        storage: storage(),
        queue: queue(),
        streamer: streamer(),
        deploymentId: 'has space',
      }),
    );
    expect(WorldkitConfigError.is(error)).toBe(true);
    expect((error as WorldkitConfigError).problems).toEqual([
      {
        key: 'deploymentId',
        expected: 'a string matching /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/',
        received: '"has space"',
        envVar: 'WORLDKIT_DEPLOYMENT_ID',
      },
    ]);
    expect(error.message.split('\n')[1]).toBe(
      '  - deploymentId: expected a string matching /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/, got "has space" (or set env WORLDKIT_DEPLOYMENT_ID)',
    );
  });

  it('rejects a bad deployment id that comes from the environment and says so', () => {
    process.env.WORLDKIT_DEPLOYMENT_ID = '../etc';
    try {
      const error = failure(() =>
        createWorld({ storage: storage(), queue: queue(), streamer: streamer() }),
      );
      expect(WorldkitConfigError.is(error)).toBe(true);
      expect(error.message).toContain('deploymentId: expected a string matching');
      expect(error.message).toContain('got "../etc" (from env WORLDKIT_DEPLOYMENT_ID)');
      expect(error.message).not.toContain('or set env');
    } finally {
      delete process.env.WORLDKIT_DEPLOYMENT_ID;
    }
  });

  it('reports a bad WORLDKIT_MAX_DELIVERY_ATTEMPTS like any config mistake, not as a raw error', () => {
    process.env.WORLDKIT_MAX_DELIVERY_ATTEMPTS = 'abc';
    try {
      const error = failure(() =>
        createWorld({ storage: storage(), queue: queue(), streamer: streamer() }),
      );
      expect(WorldkitConfigError.is(error)).toBe(true);
      expect(error.message).toBe(
        'Invalid world config:\n  - delivery.maxAttempts: expected number, got "abc" (from env WORLDKIT_MAX_DELIVERY_ATTEMPTS)',
      );
      expect((error as WorldkitConfigError).problems[0]).toMatchObject({
        fromEnv: 'WORLDKIT_MAX_DELIVERY_ATTEMPTS',
      });
    } finally {
      delete process.env.WORLDKIT_MAX_DELIVERY_ATTEMPTS;
    }
  });

  it('suggests WORLDKIT_MAX_DELIVERY_ATTEMPTS when the bad value is the option', () => {
    process.env.WORLDKIT_MAX_DELIVERY_ATTEMPTS = '5';
    try {
      const error = failure(() =>
        createWorld({
          storage: storage(),
          queue: queue(),
          streamer: streamer(),
          delivery: { maxAttempts: 0 },
        }),
      );
      expect(WorldkitConfigError.is(error)).toBe(true);
      expect(error.message).toContain(
        'delivery.maxAttempts: expected a value >= 1, got 0 (or set env WORLDKIT_MAX_DELIVERY_ATTEMPTS)',
      );
    } finally {
      delete process.env.WORLDKIT_MAX_DELIVERY_ATTEMPTS;
    }
  });

  it('validates the recovery settings', () => {
    const error = failure(() =>
      createWorld({
        storage: storage(),
        queue: queue(),
        streamer: streamer(),
        recovery: { intervalMs: 5 },
      }),
    );
    expect(WorldkitConfigError.is(error)).toBe(true);
    expect(error.message).toMatch(/recovery\.intervalMs: /);
  });

  it('reports a missing slot and a provider in the wrong slot', () => {
    const error = failure(() => createWorld({ storage: queue(), streamer: streamer() } as never));
    expect(WorldkitConfigError.is(error)).toBe(true);
    const keys = (error as WorldkitConfigError).problems.map((problem) => problem.key);
    expect(keys).toEqual(['storage', 'queue']);
    expect(error.message).toContain('storage: expected a storage provider');
    expect(error.message).toContain('queue: expected object, got nothing');
  });

  it('refuses an unknown provider specificationVersion and names the package to upgrade', () => {
    const error = failure(() =>
      createWorld({
        storage: storage(),
        queue: queue({ specificationVersion: 'v2' as 'v1' }),
        streamer: streamer(),
      }),
    );
    expect(ProviderVersionError.is(error)).toBe(true);
    expect(error.message).toBe(
      'queue provider from @example/queue implements specificationVersion "v2", but this @worldkit/core supports "v1": install a release of @example/queue built for specificationVersion "v1" (or upgrade @worldkit/core).',
    );
  });

  it('refuses a storage without atomic event writes and says why', () => {
    const error = failure(() =>
      createWorld({
        storage: storage({
          capabilities: { atomicEventWrites: false, maxSpecVersion: 3, durable: true },
        }),
        queue: queue(),
        streamer: streamer(),
      }),
    );
    expect(MissingCapabilityError.is(error)).toBe(true);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toMatch(
      /^storage provider from @example\/storage lacks the required capability "atomicEventWrites": /,
    );
  });

  it('refuses a queue that does not declare its maximum native delay', () => {
    const error = failure(() =>
      createWorld({
        storage: storage(),
        queue: queue({ capabilities: { idempotencyKeys: true, durable: true } as never }),
        streamer: streamer(),
      }),
    );
    expect(MissingCapabilityError.is(error)).toBe(true);
    expect((error as MissingCapabilityError).capability).toBe('maxDelaySeconds');
  });
});

describe('createWorld composes lazily', () => {
  it('calls each provider once, synchronously, and exposes the slots', () => {
    const created: string[] = [];
    const instance =
      <T>(slot: string, value: T) =>
      () => {
        created.push(slot);
        return value;
      };
    const world = createWorld({
      deploymentId: 'v-test',
      storage: storage({
        create: instance('storage', { runs: {}, steps: {}, events: {}, hooks: {} } as never),
      }),
      queue: queue({
        create: instance('queue', {
          kind: 'transport',
          send: async () => ({ accepted: true }),
          consume: async () => {},
        } as never),
      }),
      streamer: streamer({ create: instance('streamer', {} as never) }),
    });
    expect(created.sort()).toEqual(['queue', 'storage', 'streamer']);
    expect(world.worldkit.deploymentId).toBe('v-test');
    expect(world.worldkit.providers.versions.name).toBe('memory');
    expect(world.worldkit.providers.compute.name).toBe('in-process');
  });

  it('returns the configured deployment id and the promoted version as latest', async () => {
    const world = createWorld({
      deploymentId: 'v1',
      storage: storage({ create: () => ({ runs: {}, steps: {}, events: {}, hooks: {} }) as never }),
      queue: queue({
        create: () =>
          ({
            kind: 'transport',
            send: async () => ({ accepted: true }),
            consume: async () => {},
          }) as never,
      }),
      streamer: streamer({ create: () => ({}) as never }),
    });
    expect(await world.getDeploymentId()).toBe('v1');
    expect(await world.resolveLatestDeploymentId()).toBe('v1');
    const v2 = await world.worldkit.versions.create({ id: 'v2' });
    await world.worldkit.versions.promote(v2.id);
    expect(await world.resolveLatestDeploymentId()).toBe('v2');
    await world.close();
  });
});
