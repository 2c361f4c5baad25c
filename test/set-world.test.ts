import { createWorld, installedWorld, loadWorkflowCode } from '@worldkit/core';
import { local } from '@worldkit/local';
import { buildWorkflowFixtures } from '@worldkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { start } from 'workflow/api';
import { getWorld, getWorldHandlers, setWorld } from 'workflow/runtime';

// The acceptance path most hosts use: compose, hand the World to the runtime's own setWorld(),
// then run a real workflow through @workflow/core 4.8.9.
describe('the composite World through setWorld() from workflow/runtime', () => {
  const world = createWorld({ ...local({ memory: true }), deploymentId: 'set-world-test' });
  afterAll(() => world.close());

  it('is what the runtime returns from getWorld() and getWorldHandlers()', () => {
    setWorld(world);
    expect(getWorld()).toBe(world);
    expect(getWorldHandlers().createQueueHandler).toBe(world.createQueueHandler);
    // loadWorkflowCode installs Worlds through the same symbols setWorld() writes.
    expect(installedWorld()).toBe(world);
  });

  it('runs a real multi-step workflow pinned to the configured version', async () => {
    setWorld(world);
    const built = await buildWorkflowFixtures();
    const code = loadWorkflowCode({ world, directory: built.directory });
    await world.start();
    const run = await start(code.workflow('sequentialWorkflow'), [4, 5]);
    expect(await run.returnValue).toBe(36); // (4 + 5) * 2 * 2
    const stored = await world.runs.get(run.runId);
    expect(stored.status).toBe('completed');
    expect(stored.deploymentId).toBe('set-world-test');
  });
});
