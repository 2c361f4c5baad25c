import type { World } from '@workflow/world';
import { type ComposedWorld, type LoadedWorkflowCode, loadWorkflowCode } from '@worldkit/core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type ConformanceOptions, it, registerGroups } from '../conformance.js';
import type { DeprecatedWorldConformanceOptions } from '../deprecated-options.js';
import { waitUntil } from '../wait-until.js';
import { buildWorkflowFixtures } from './build-workflows.js';
import {
  duplicateEvents,
  eventTypes,
  listAllEvents,
  listAllSteps,
  listHooks,
  waitForRun,
  waitForRunsWhileProgressing,
} from './run-inspection.js';
import { startWorkflowServer, type WorkflowServer } from './workflow-server.js';

export interface WorldFactoryContext {
  /**
   * Origin of a loopback server that answers `/.well-known/workflow/v1/{flow,step,webhook}`
   * with the fixture code, for Worlds whose queue delivers over HTTP (e.g. world-local's
   * `baseUrl`). Worlds that deliver in-process can ignore it.
   */
  baseUrl: string;
}

/**
 * The kit's one option shape, with a World factory: `create({ baseUrl })` is called once per
 * suite and returns the World (usually `createWorld({...})`); the suite starts and closes it.
 * What the World's storage declares is read from `world.worldkit.providers` when the World was
 * composed by `createWorld`. `timeoutMs` is the longest wait for one run (default 20 000); each
 * test may take three times that.
 */
export interface WorldConformanceOptions
  extends Omit<ConformanceOptions<ComposedWorld | World>, 'create'> {
  create: (context: WorldFactoryContext) => ComposedWorld | World | Promise<ComposedWorld | World>;
  /** Runs started at once in the concurrency group (default 50). */
  concurrentRuns?: number;
}

/** Building the fixture workflows from cold, plus composing and starting the World. */
const BUILD_TIMEOUT_MS = 300_000;
/** Closing the World: consumers finish their deliveries, pools drain. */
const CLOSE_TIMEOUT_MS = 60_000;

type WorkflowApi = typeof import('workflow/api');

/**
 * `workflow` (the Workflow SDK) is an optional peer of the kit: only this suite needs it, so it
 * is loaded here, with an error that says what to install when it is missing.
 */
async function loadWorkflowApi(): Promise<WorkflowApi> {
  try {
    return await import('workflow/api');
  } catch (error) {
    throw new Error(
      'The whole-World suite (describeWorldConformance) runs real workflows and needs the `workflow` package (the Workflow SDK), an optional peer of @worldkit/testing: install it next to the kit (npm install -D workflow).',
      { cause: error },
    );
  }
}

/**
 * The whole-World conformance suite: builds the fixture workflows with `wf build`, loads them
 * onto the World, runs them through `start()` from `workflow/api`, and checks both what the
 * runs return and what the World stored. Register it at the top level of a test file.
 */
export function describeWorldConformance(
  given: WorldConformanceOptions | DeprecatedWorldConformanceOptions,
): void {
  const options: WorldConformanceOptions =
    'create' in given
      ? given
      : {
          name: given.name,
          create: given.createWorld,
          knownGaps: given.knownGaps,
          timeoutMs: given.timeoutMs ?? given.runTimeoutMs,
          concurrentRuns: given.concurrentRuns,
        };
  const runTimeoutMs = options.timeoutMs ?? 20_000;
  const testTimeoutMs = runTimeoutMs * 3;
  const concurrentRuns = options.concurrentRuns ?? 50;
  let api: WorkflowApi;
  let world: World;
  /** The storage declares that a resilient start may log run_started before run_created. */
  let unorderedResilientStart = false;
  let code: LoadedWorkflowCode;
  let server: WorkflowServer;
  let deploymentId: string;

  /** Starts a fixture workflow and waits for it to finish; returns its run and stored state. */
  async function runToEnd(name: string, args: unknown[]) {
    const run = await api.start(code.workflow(name), args, { world });
    const stored = await waitForRun(world, run.runId, runTimeoutMs);
    return { run, stored };
  }

  describe(`whole World: ${options.name}`, { timeout: testTimeoutMs }, () => {
    beforeAll(async () => {
      api = await loadWorkflowApi();
      const built = await buildWorkflowFixtures();
      // Deliveries may arrive over HTTP before the code is loaded; they are refused until then.
      let loaded: LoadedWorkflowCode | undefined;
      server = await startWorkflowServer(async (request) =>
        loaded
          ? loaded.handleRequest(request)
          : new Response('workflow code not loaded yet', { status: 503 }),
      );
      world = await options.create({ baseUrl: server.url });
      const composed = (world as Partial<ComposedWorld>).worldkit;
      // A World not composed by createWorld declares nothing: the strict order is then left to
      // the storage suite, which checks it deterministically.
      unorderedResilientStart = composed
        ? (composed.providers.storage.capabilities as unknown as Record<string, unknown>)
            .orderedResilientStart === false
        : true;
      deploymentId = composed?.deploymentId ?? (await world.getDeploymentId());
      loaded = loadWorkflowCode({ world, directory: built.directory, deploymentId });
      code = loaded;
      await world.start?.();
      // The kit sets its own hook timeouts: a cold `wf build` takes ~40 s on a busy machine,
      // far beyond vitest's default 10 s, and the caller's project should not need to know.
    }, BUILD_TIMEOUT_MS);

    afterAll(async () => {
      await server?.close();
      await world?.close?.();
    }, CLOSE_TIMEOUT_MS);

    registerGroups(options.knownGaps, () => {
      describe('steps', () => {
        it('runs sequential steps and stores one completed step and event each', async () => {
          const { run, stored } = await runToEnd('sequentialWorkflow', [2, 3]);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          expect(await run.returnValue, 'whole World: await run.returnValue').toBe(20);
          // The run is pinned to the version of the code that started it.
          expect(stored.deploymentId, 'whole World: stored.deploymentId').toBe(deploymentId);

          const steps = await listAllSteps(world, run.runId);
          expect(steps, 'whole World: steps').toHaveLength(3);
          for (const step of steps) {
            expect(step.status, 'whole World: step.status').toBe('completed');
            expect(step.attempt, 'whole World: step.attempt').toBe(1);
          }
          const events = await listAllEvents(world, run.runId);
          const types = eventTypes(events);
          if (unorderedResilientStart) {
            // The storage may log a resilient start's run_started before its run_created (the
            // storage suite's orderedResilientStart gap): both must still open the log.
            expect(types.slice(0, 2).sort(), 'whole World: types.slice(0, 2).sort()').toEqual([
              'run_created',
              'run_started',
            ]);
          } else {
            expect(types[0], 'whole World: types[0]').toBe('run_created');
          }
          expect(types.at(-1), 'whole World: types.at(-1)').toBe('run_completed');
          expect(
            types.filter((type) => type === 'step_completed'),
            "whole World: types.filter((type) => type === 'step_completed')",
          ).toHaveLength(3);
          expect(
            duplicateEvents(events, 'step_completed'),
            "whole World: duplicateEvents(events, 'step_completed')",
          ).toEqual([]);
          expect(
            duplicateEvents(events, 'step_created'),
            "whole World: duplicateEvents(events, 'step_created')",
          ).toEqual([]);
          expect(
            types.filter((type) => type === 'run_started'),
            "whole World: types.filter((type) => type === 'run_started')",
          ).toHaveLength(1);
        });

        it('runs steps awaited with Promise.all, each exactly once', async () => {
          const values = [1, 2, 3, 4, 5, 6];
          const { run, stored } = await runToEnd('parallelWorkflow', [values]);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          expect(await run.returnValue, 'whole World: await run.returnValue').toEqual(
            values.map((value) => value * 2),
          );
          const steps = await listAllSteps(world, run.runId);
          expect(steps, 'whole World: steps').toHaveLength(values.length);
          const events = await listAllEvents(world, run.runId);
          expect(
            eventTypes(events).filter((type) => type === 'step_completed'),
            "whole World: eventTypes(events).filter((type) => type === 'step_completed')",
          ).toHaveLength(values.length);
          expect(
            duplicateEvents(events, 'step_completed'),
            "whole World: duplicateEvents(events, 'step_completed')",
          ).toEqual([]);
        });

        it('round-trips null bytes, binary data and a ~1 MB payload unchanged', async () => {
          const payload = {
            text: 'before\u0000after\u0000',
            bytes: new Uint8Array([0, 1, 0, 255, 0]),
            nested: { emoji: '\u{1F30D}', empty: '' },
          };
          const small = await runToEnd('echoWorkflow', [payload]);
          expect(small.stored.status, 'whole World: small.stored.status').toBe('completed');
          expect(await small.run.returnValue, 'whole World: await small.run.returnValue').toEqual(
            payload,
          );

          // Varied content, so a backend that compresses cannot hide a truncation.
          const large = Array.from({ length: 1_000_000 }, (_, index) =>
            String.fromCharCode(32 + ((index * 7919) % 90)),
          ).join('');
          const big = await runToEnd('echoWorkflow', [large]);
          expect(big.stored.status, 'whole World: big.stored.status').toBe('completed');
          const returned = (await big.run.returnValue) as string;
          expect(returned.length, 'whole World: returned.length').toBe(large.length);
          expect(
            returned === large,
            'whole World: the ~1 MB string must come back from the run byte for byte (a storage or queue that truncates or re-encodes payloads fails here)',
          ).toBe(true);
        });
      });

      describe('sleep', () => {
        it("resumes a run after sleep('1s'), not before", async () => {
          const { run, stored } = await runToEnd('sleepWorkflow', ['1s']);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          const { before, after } = (await run.returnValue) as { before: number; after: number };
          // The wait is created after the first step finished, so the gap covers the whole second
          // (50 ms of slack for timer and clock granularity).
          expect(after - before, 'whole World: after - before').toBeGreaterThanOrEqual(950);
          expect(after - before, 'whole World: after - before').toBeLessThan(10_000);
          const events = await listAllEvents(world, run.runId);
          expect(eventTypes(events), 'whole World: eventTypes(events)').toEqual(
            expect.arrayContaining(['wait_created', 'wait_completed']),
          );
          expect(
            duplicateEvents(events, 'wait_completed'),
            "whole World: duplicateEvents(events, 'wait_completed')",
          ).toEqual([]);
        });
      });

      describe('hooks', () => {
        it('suspends on createHook and resumes with the payload given to resumeHook', async () => {
          const token = `conformance-hook-${Date.now()}-${Math.random().toString(36).slice(2)}`;
          const run = await api.start(code.workflow('hookWorkflow'), [token], { world });
          await waitUntil(
            async () => {
              const hooks = await listHooks(world, run.runId);
              return hooks.find((hook) => hook.token === token);
            },
            { what: 'the hook to be stored', timeoutMs: runTimeoutMs, intervalMs: 20 },
          );
          await api.resumeHook(token, { approved: true });
          const stored = await waitForRun(world, run.runId, runTimeoutMs);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          expect(await run.returnValue, 'whole World: await run.returnValue').toEqual({
            label: 'hook',
            payload: { approved: true },
          });
          const types = eventTypes(await listAllEvents(world, run.runId));
          expect(types, 'whole World: types').toEqual(
            expect.arrayContaining(['hook_created', 'hook_received']),
          );
          // A finished run holds no hooks, so its token is free again.
          expect(
            await listHooks(world, run.runId),
            'whole World: await listHooks(world, run.runId)',
          ).toEqual([]);
        });
      });

      describe('webhooks', () => {
        it('resumes a createWebhook run from an HTTP request to its token URL', async () => {
          const run = await api.start(code.workflow('webhookWorkflow'), [], { world });
          const hook = await waitUntil(async () => (await listHooks(world, run.runId))[0], {
            what: 'the webhook to be stored',
            timeoutMs: runTimeoutMs,
            intervalMs: 20,
          });
          const response = await fetch(
            `${server.url}/.well-known/workflow/v1/webhook/${hook.token}`,
            {
              method: 'POST',
              body: 'ping',
            },
          );
          expect(response.status, 'whole World: response.status').toBe(202);
          const stored = await waitForRun(world, run.runId, runTimeoutMs);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          expect(await run.returnValue, 'whole World: await run.returnValue').toEqual({
            label: 'webhook',
            payload: { method: 'POST', body: 'ping' },
          });
        });

        it('answers 404 for a token no run holds', async () => {
          const response = await fetch(
            `${server.url}/.well-known/workflow/v1/webhook/no-such-token-${Date.now()}`,
            { method: 'POST', body: 'ping' },
          );
          expect(response.status, 'whole World: response.status').toBe(404);
        });
      });

      describe('streams', () => {
        it('streams chunks written with getWritable to run.getReadable()', async () => {
          const chunks = ['first', 'second\u0000with null', 'third'];
          const { run, stored } = await runToEnd('streamWorkflow', [chunks]);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          expect(await run.returnValue, 'whole World: await run.returnValue').toBe(chunks.length);
          const received: unknown[] = [];
          const reader = api.getRun(run.runId).getReadable().getReader();
          for (let next = await reader.read(); !next.done; next = await reader.read()) {
            received.push(next.value);
          }
          expect(received, 'whole World: received').toEqual(chunks);
          expect(
            (await world.listStreamsByRunId(run.runId)).length,
            'whole World: (await world.listStreamsByRunId(run.runId)).length',
          ).toBeGreaterThan(0);
        });
      });

      describe('step errors', () => {
        it('retries a step that throws RetryableError, honouring retryAfter', async () => {
          const retryAfterMs = 400;
          const { run, stored } = await runToEnd('retryWorkflow', [3, retryAfterMs]);
          expect(stored.status, 'whole World: stored.status').toBe('completed');
          expect(await run.returnValue, 'whole World: await run.returnValue').toMatchObject({
            attempt: 3,
          });

          const [step] = await listAllSteps(world, run.runId);
          expect(step!.status, 'whole World: step!.status').toBe('completed');
          expect(step!.attempt, 'whole World: step!.attempt').toBe(3);
          const events = await listAllEvents(world, run.runId);
          const types = eventTypes(events);
          expect(
            types.filter((type) => type === 'step_retrying'),
            "whole World: types.filter((type) => type === 'step_retrying')",
          ).toHaveLength(2);
          expect(
            types.filter((type) => type === 'step_started'),
            "whole World: types.filter((type) => type === 'step_started')",
          ).toHaveLength(3);
          // Each new attempt starts no earlier than retryAfter after the failure was recorded.
          events.forEach((event, index) => {
            if (event.eventType !== 'step_retrying') return;
            const next = events.slice(index).find((later) => later.eventType === 'step_started');
            expect(next, 'whole World: next').toBeDefined();
            const gap = next!.createdAt.getTime() - event.createdAt.getTime();
            expect(gap, 'whole World: gap').toBeGreaterThanOrEqual(retryAfterMs - 50);
          });
          expect(
            duplicateEvents(events, 'step_completed'),
            "whole World: duplicateEvents(events, 'step_completed')",
          ).toEqual([]);
        });

        it('fails the run without retrying when a step throws FatalError', async () => {
          const { run, stored } = await runToEnd('fatalWorkflow', ['refused on purpose']);
          expect(stored.status, 'whole World: stored.status').toBe('failed');
          expect(stored.error?.message, 'whole World: stored.error?.message').toContain(
            'refused on purpose',
          );
          await expect(run.returnValue, 'whole World: run.returnValue').rejects.toThrow(
            /refused on purpose/,
          );
          const [step] = await listAllSteps(world, run.runId);
          expect(step!.status, 'whole World: step!.status').toBe('failed');
          expect(step!.attempt, 'whole World: step!.attempt').toBe(1);
          const types = eventTypes(await listAllEvents(world, run.runId));
          expect(types, 'whole World: types').toContain('step_failed');
          expect(types, 'whole World: types').not.toContain('step_retrying');
          expect(types.at(-1), 'whole World: types.at(-1)').toBe('run_failed');
        });
      });

      describe('concurrency', () => {
        it(`completes ${concurrentRuns} concurrent runs with no duplicate step completions`, {
          // The batch waits for as long as runs keep finishing (see below); this only bounds a
          // batch that crawls, on a loaded machine or a slow emulator, without stalling.
          timeout: Math.max(testTimeoutMs, 600_000),
        }, async () => {
          const runs = await Promise.all(
            Array.from({ length: concurrentRuns }, (_, index) =>
              api.start(code.workflow('sequentialWorkflow'), [index, 1], { world }),
            ),
          );
          // Fails when no run finished for twice the run timeout, not when the batch as a whole
          // is slow: 50 runs at once on DynamoDB Local under load took over 40 s.
          const stored = await waitForRunsWhileProgressing(
            world,
            runs.map((run) => run.runId),
            runTimeoutMs * 2,
          );
          expect(
            stored.map((run) => run.status),
            'whole World: stored.map((run) => run.status)',
          ).toEqual(runs.map(() => 'completed'));
          const values = await Promise.all(runs.map((run) => run.returnValue));
          expect(values, 'whole World: values').toEqual(runs.map((_, index) => (index + 1) * 4));
          for (const run of runs) {
            const events = await listAllEvents(world, run.runId);
            expect(
              duplicateEvents(events, 'step_completed'),
              "whole World: duplicateEvents(events, 'step_completed')",
            ).toEqual([]);
            expect(
              eventTypes(events).filter((type) => type === 'run_completed'),
              "whole World: eventTypes(events).filter((type) => type === 'run_completed')",
            ).toHaveLength(1);
          }
        });
      });
    });
  });
}
