import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorld } from '../compose/create-world.js';
import type { QueueProvider } from '../contracts/queue.js';
import type { StorageProvider } from '../contracts/storage.js';
import type { StreamerProvider } from '../contracts/streamer.js';
import { WorldkitConfigError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { resolveDeploymentId } from './deployment-id.js';

const fail = (run: () => unknown): WorldkitConfigError => {
  try {
    run();
  } catch (error) {
    if (WorldkitConfigError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a WorldkitConfigError');
};

describe('resolveDeploymentId', () => {
  it('takes the option, then WORLDKIT_DEPLOYMENT_ID, then VERCEL_DEPLOYMENT_ID, then "local"', () => {
    const both = { WORLDKIT_DEPLOYMENT_ID: 'vers_env', VERCEL_DEPLOYMENT_ID: 'dpl_vercel' };
    expect(resolveDeploymentId('vers_option', both)).toBe('vers_option');
    expect(resolveDeploymentId(undefined, both)).toBe('vers_env');
    expect(resolveDeploymentId(undefined, { VERCEL_DEPLOYMENT_ID: 'dpl_vercel' })).toBe(
      'dpl_vercel',
    );
    expect(resolveDeploymentId(undefined, {})).toBe('local');
    // An empty variable is unset, as for every other setting.
    expect(
      resolveDeploymentId(undefined, { WORLDKIT_DEPLOYMENT_ID: '', VERCEL_DEPLOYMENT_ID: 'dpl_v' }),
    ).toBe('dpl_v');
  });

  it('reads process.env by default', () => {
    const saved = { ...process.env };
    try {
      delete process.env.WORLDKIT_DEPLOYMENT_ID;
      process.env.VERCEL_DEPLOYMENT_ID = 'dpl_from_process';
      expect(resolveDeploymentId(undefined)).toBe('dpl_from_process');
    } finally {
      process.env = saved;
    }
  });

  it('names the variable that held a bad value', () => {
    const fromVercel = fail(() =>
      resolveDeploymentId(undefined, { VERCEL_DEPLOYMENT_ID: 'dpl bad' }),
    );
    expect(fromVercel.message.split('\n')[1]).toBe(
      '  - deploymentId: expected a string matching /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/, got "dpl bad" (from env VERCEL_DEPLOYMENT_ID; env WORLDKIT_DEPLOYMENT_ID overrides it)',
    );

    // WORLDKIT_DEPLOYMENT_ID wins over VERCEL_DEPLOYMENT_ID, so it is the one named.
    const fromWorldkit = fail(() =>
      resolveDeploymentId(undefined, {
        WORLDKIT_DEPLOYMENT_ID: 'a b',
        VERCEL_DEPLOYMENT_ID: 'dpl_fine',
      }),
    );
    expect(WorldkitConfigError.is(fromWorldkit)).toBe(true);
    expect(fromWorldkit.message.split('\n')[1]).toBe(
      '  - deploymentId: expected a string matching /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/, got "a b" (from env WORLDKIT_DEPLOYMENT_ID)',
    );
    expect(fromWorldkit.message).not.toContain('or set env');
    expect(fromWorldkit.message).not.toContain('VERCEL_DEPLOYMENT_ID');
    expect((fromWorldkit as WorldkitConfigError).problems[0]).toMatchObject({
      fromEnv: 'WORLDKIT_DEPLOYMENT_ID',
    });

    const fromOption = fail(() =>
      resolveDeploymentId('has space', { VERCEL_DEPLOYMENT_ID: 'dpl bad' }),
    );
    expect(fromOption.message).toContain('got "has space" (or set env WORLDKIT_DEPLOYMENT_ID)');
    expect(fromOption.message).not.toContain('VERCEL_DEPLOYMENT_ID');
  });
});

// Parts that are never used: these tests only compose a World and read its deployment id.
const parts = () => ({
  storage: {
    slot: 'storage',
    specificationVersion: 'v1',
    name: 'test-storage',
    packageName: '@example/storage',
    capabilities: { atomicEventWrites: true, maxSpecVersion: 3, durable: false },
    create: () => ({ runs: {}, steps: {}, events: {}, hooks: {} }) as never,
  } satisfies StorageProvider,
  queue: {
    slot: 'queue',
    specificationVersion: 'v1',
    name: 'test-queue',
    packageName: '@example/queue',
    capabilities: { maxDelaySeconds: 900, idempotencyKeys: true, durable: false },
    create: () =>
      ({ kind: 'native', queue: async () => ({}), createQueueHandler: () => {} }) as never,
  } satisfies QueueProvider,
  streamer: {
    slot: 'streamer',
    specificationVersion: 'v1',
    name: 'test-streamer',
    packageName: '@example/streamer',
    capabilities: { liveTailing: true, durable: false },
    create: () => ({}) as never,
  } satisfies StreamerProvider,
  logger: { debug() {}, info() {}, warn() {}, error() {} } satisfies Logger,
});

describe('createWorld', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is the version named by VERCEL_DEPLOYMENT_ID when nothing else names one', async () => {
    vi.stubEnv('WORLDKIT_DEPLOYMENT_ID', '');
    vi.stubEnv('VERCEL_DEPLOYMENT_ID', 'dpl_4Fz9');
    const world = createWorld(parts());
    expect(world.worldkit.deploymentId).toBe('dpl_4Fz9');
    expect(await world.getDeploymentId()).toBe('dpl_4Fz9');
    vi.stubEnv('WORLDKIT_DEPLOYMENT_ID', 'vers_env');
    expect(createWorld(parts()).worldkit.deploymentId).toBe('vers_env');
    expect(createWorld({ ...parts(), deploymentId: 'vers_option' }).worldkit.deploymentId).toBe(
      'vers_option',
    );
  });

  it('names VERCEL_DEPLOYMENT_ID when that is where a bad id came from', () => {
    vi.stubEnv('WORLDKIT_DEPLOYMENT_ID', '');
    vi.stubEnv('VERCEL_DEPLOYMENT_ID', 'dpl bad');
    const error = fail(() => createWorld(parts()));
    expect(error.message).toContain(
      'got "dpl bad" (from env VERCEL_DEPLOYMENT_ID; env WORLDKIT_DEPLOYMENT_ID overrides it)',
    );
  });
});
