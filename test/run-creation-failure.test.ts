import { WorkflowWorldError } from '@workflow/errors';
import { createWorld, loadWorkflowCode, type StorageProvider } from '@worldkit/core';
import { local } from '@worldkit/local';
import { buildWorkflowFixtures, silentLogger, waitForRun } from '@worldkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { start } from 'workflow/api';

// The runtime writes `run_created` and queues the run's first message (which carries the run's
// input) in parallel; the run starts from the message even when `run_created` failed. A storage
// failure that is not one of the contract's errors (here: the ENOENT a missing migrations folder
// gave @worldkit/postgres in a traced build) used to make start() throw — a 500 to the client —
// for a run that then started anyway. The World reports it as retryable, so start() answers
// with the run, which completes once storage works.
describe('a run_created that fails with a non-contract storage error', () => {
  const base = local({ memory: true });
  let failures = 0;
  const flakyStorage: StorageProvider = {
    ...base.storage,
    create(context) {
      const storage = base.storage.create(context);
      const create = storage.events.create.bind(storage.events);
      return {
        ...storage,
        events: {
          ...storage.events,
          create: ((runId: string, data: { eventType: string }, params: unknown) => {
            if (data.eventType === 'run_created' && failures === 0) {
              failures += 1;
              return Promise.reject(
                Object.assign(
                  new Error("ENOENT: no such file or directory, scandir 'migrations/'"),
                  {
                    code: 'ENOENT',
                  },
                ),
              );
            }
            return create(runId, data as never, params as never);
          }) as typeof storage.events.create,
        },
      };
    },
  };
  const world = createWorld({
    ...base,
    storage: flakyStorage,
    deploymentId: 'run-creation-failure',
    logger: silentLogger,
  });
  afterAll(() => world.close());

  it('is reported as a retryable 503, so start() returns the run, which completes', async () => {
    const built = await buildWorkflowFixtures();
    const code = loadWorkflowCode({ world, directory: built.directory });
    await world.start();

    const run = await start(code.workflow('sequentialWorkflow'), [4, 5]);
    expect(failures).toBe(1);
    const finished = await waitForRun(world, run.runId, 30_000);
    expect(finished.status).toBe('completed');
    expect(await run.returnValue).toBe(36);
  });

  it('keeps contract errors as they are and wraps the rest with the cause', async () => {
    failures = 0;
    const error = await world.events
      .create('wrun_01JZZZZZZZZZZZZZZZZZZZZZZZ', {
        eventType: 'run_created',
        specVersion: 2,
        eventData: { deploymentId: 'x', workflowName: 'w', input: new Uint8Array() },
      } as never)
      .catch((caught: unknown) => caught);
    expect(WorkflowWorldError.is(error)).toBe(true);
    expect((error as WorkflowWorldError).status).toBe(503);
    expect((error as Error).message).toMatch(/storage could not record run_created: ENOENT/);
    expect(((error as Error).cause as { code?: string }).code).toBe('ENOENT');
  });
});
