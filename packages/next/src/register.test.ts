import { createWorld, defineWorld } from '@worldkit/core';
import { local } from '@worldkit/local';
import { silentLogger } from '@worldkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { getWorld, setWorld } from 'workflow/runtime';
import { getRegisteredWorld, registerWorldkit } from './register.js';

const REGISTERED = Symbol.for('@worldkit/next//registered-world');
const config = () =>
  defineWorld({ ...local(), deploymentId: 'vers_next_test', logger: silentLogger });

describe('registerWorldkit', () => {
  afterEach(async () => {
    const holder = globalThis as { [REGISTERED]?: { close(): Promise<void> } };
    await holder[REGISTERED]?.close();
    delete holder[REGISTERED];
    setWorld(undefined);
  });

  it('composes the config once and hands the World to the runtime', async () => {
    const world = await registerWorldkit(config());
    expect(world.worldkit.deploymentId).toBe('vers_next_test');
    expect(getWorld()).toBe(world);
    expect(getRegisteredWorld()).toBe(world);
    // A second call (a dev-server reload) keeps the first World and its connections.
    expect(await registerWorldkit(config())).toBe(world);
  });

  it('takes the world.config module as import() returns it', async () => {
    const world = await registerWorldkit({ default: config() });
    expect(world.worldkit.deploymentId).toBe('vers_next_test');
  });

  it('takes a World composed by the caller', async () => {
    const composed = createWorld(config());
    expect(await registerWorldkit(composed)).toBe(composed);
  });

  it('refuses what is not a config', async () => {
    await expect(registerWorldkit({ default: null } as never)).rejects.toThrow(
      /needs a world config .*got null/,
    );
  });

  it('getRegisteredWorld says how to register when nothing is', () => {
    expect(() => getRegisteredWorld()).toThrow(
      /call registerWorldkit\(\) from register\(\) in instrumentation\.ts/,
    );
  });
});
