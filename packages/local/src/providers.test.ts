import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { createWorld, type ProviderContext, WorldkitConfigError } from '@worldkit/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { local, localQueue, localStorage, localStreamer, localVersions } from './providers.js';
import { DATA_DIR_ENV, QUEUE_CONCURRENCY_ENV } from './settings.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const context: ProviderContext = {
  deploymentId: 'test',
  logger: silent,
  versions: () => {
    throw new Error('local providers never read the version store');
  },
};

const tempDirs: string[] = [];
async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'worldkit-providers-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
afterEach(() => {
  delete process.env[DATA_DIR_ENV];
  delete process.env[QUEUE_CONCURRENCY_ENV];
});

function configError(run: () => unknown): WorldkitConfigError {
  try {
    run();
  } catch (error) {
    if (WorldkitConfigError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a WorldkitConfigError');
}

describe('local providers declare what they are', () => {
  it('names slot, contract version, package and honest capabilities on disk', () => {
    const parts = local({ dataDir: '/tmp/worldkit-never-opened' });
    for (const provider of Object.values(parts)) {
      expect(provider).toMatchObject({
        specificationVersion: 'v1',
        name: 'local',
        packageName: '@worldkit/local',
      });
    }
    expect(parts.storage.slot).toBe('storage');
    expect(parts.storage.capabilities).toEqual({
      atomicEventWrites: true,
      maxSpecVersion: SPEC_VERSION_CURRENT,
      durable: true,
    });
    expect(parts.queue.capabilities).toEqual({
      maxDelaySeconds: null,
      idempotencyKeys: true,
      durable: true,
      concurrency: 100,
    });
    expect(parts.streamer.capabilities).toEqual({ liveTailing: true, durable: true });
    expect(parts.versions.capabilities).toEqual({ durable: true });
  });

  it('declares durable: false in memory mode', () => {
    const parts = local({ memory: true });
    for (const provider of Object.values(parts)) expect(provider.capabilities.durable).toBe(false);
  });

  it('gives storage the same version store local() returns, and localStorage() its own', () => {
    const parts = local({ memory: true });
    expect(parts.storage.versions).toBe(parts.versions);
    expect(localStorage({ memory: true }).versions?.slot).toBe('versions');
  });
});

describe('local provider settings', () => {
  it('rejects an unknown option, naming it', () => {
    const error = configError(() => local({ dataDri: './x' } as never));
    expect(error.message).toContain('dataDri');
    expect(error.message).toContain('@worldkit/local options');
  });

  it('rejects an empty dataDir, naming the option and its env var', () => {
    const error = configError(() => localStreamer({ dataDir: '' }));
    expect(error.problems[0]).toMatchObject({ key: 'dataDir', envVar: DATA_DIR_ENV });
  });

  it('rejects memory together with a dataDir', () => {
    const error = configError(() => localVersions({ memory: true, dataDir: './x' }));
    expect(error.message).toMatch(/dataDir: expected no dataDir when memory is true/);
  });

  it('rejects a bad queue concurrency from the option or from its env var', () => {
    expect(configError(() => localQueue({ memory: true, concurrency: 0 })).message).toContain(
      'concurrency',
    );
    process.env[QUEUE_CONCURRENCY_ENV] = 'lots';
    const error = configError(() => localQueue({ memory: true }));
    expect(error.problems[0].key).toBe('concurrency');
    expect(error.message).toContain(`"lots" (from env ${QUEUE_CONCURRENCY_ENV})`);
  });

  it('takes dataDir from WORLDKIT_LOCAL_DATA_DIR when the option is absent', async () => {
    const dataDir = await freshDataDir();
    process.env[DATA_DIR_ENV] = dataDir;
    const streamer = localStreamer().create(context);
    await streamer.writeToStream('strm_env', 'wrun_env', 'x');
    await streamer.close?.();
    expect((await stat(path.join(dataDir, 'streams.journal.bin'))).isFile()).toBe(true);
  });

  it('defaults to .worldkit-data in the working directory', async () => {
    const cwd = await freshDataDir();
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const versions = localVersions().create(context);
      await versions.create({ id: 'v1' });
      await versions.close?.();
      expect((await stat(path.join(cwd, '.worldkit-data', 'versions.json'))).isFile()).toBe(true);
    } finally {
      process.chdir(previous);
    }
  });
});

describe('memory mode state belongs to the provider object', () => {
  it('shares state between create() calls of one provider', async () => {
    const provider = localStreamer({ memory: true });
    const one = provider.create(context);
    const two = provider.create(context);
    await one.writeToStream('strm_m', 'wrun_m', 'hello');
    expect(await two.getStreamInfo('strm_m', 'wrun_m')).toEqual({ tailIndex: 0, done: false });
    await one.close?.();
    // The other holder keeps the state after one share is released.
    expect(await two.getStreamInfo('strm_m', 'wrun_m')).toEqual({ tailIndex: 0, done: false });
    await two.close?.();
  });

  it('isolates separate local({ memory: true }) calls', async () => {
    const first = local({ memory: true });
    const second = local({ memory: true });
    const a = first.versions.create(context);
    const b = second.versions.create(context);
    await a.create({ id: 'only-first' });
    expect(await b.get('only-first')).toBeNull();
    expect(await first.versions.create(context).get('only-first')).not.toBeNull();
  });

  it('lets several Worlds composed from one local({ memory: true }) start together and share state', async () => {
    const parts = local({ memory: true });
    const worlds = [
      createWorld({ ...parts, logger: silent }),
      createWorld({ ...parts, logger: silent }),
    ];
    // Each start() consumes the shared in-memory queue; a transport taking a second consume()
    // directly would throw here.
    for (const world of worlds) await world.start?.();
    const streamer = parts.streamer.create(context);
    // Both compositions see one stream store...
    await worlds[0].writeToStream('strm_w', 'wrun_w', 'from world 0');
    expect(await worlds[1].getStreamInfo('strm_w', 'wrun_w')).toEqual({
      tailIndex: 0,
      done: false,
    });
    expect(await streamer.getStreamInfo('strm_w', 'wrun_w')).toEqual({ tailIndex: 0, done: false });
    // ...and one version store, reached through storage's default.
    const versions = parts.storage.versions?.create(context);
    await versions?.create({ id: 'v-shared' });
    expect(await worlds[0].worldkit.versions.get('v-shared')).not.toBeNull();
    await versions?.close?.();
    await streamer.close?.();
    for (const world of worlds) await world.close();
  });
});
