import type { Event, Hook, Step, WorkflowRun } from '@workflow/world';
import { expect } from 'vitest';
import type { StorageUnderTest } from './conformance-options.js';
import {
  hookCreated,
  type RunCreatedFields,
  runCreated,
  runStarted,
  stepCreated,
  stepStarted,
} from './event-requests.js';
import { newHookId, newHookToken, newRunId, newStepId, newWorkflowName } from './ids.js';

/**
 * Short paths to the state a test starts from (a pending run, a running step, a live hook), built
 * only through `events.create` like the runtime does. Each helper asserts the entity came back, so
 * a broken precondition fails where it happens rather than in a later, confusing assertion.
 */

export async function createRun(
  storage: StorageUnderTest,
  fields: Partial<RunCreatedFields> = {},
): Promise<WorkflowRun> {
  const result = await storage.events.create(
    newRunId(),
    runCreated({ workflowName: fields.workflowName ?? newWorkflowName(), ...fields }),
  );
  expect(result.run, 'run_created should return the run').toBeDefined();
  return result.run as WorkflowRun;
}

export async function createRunningRun(
  storage: StorageUnderTest,
  fields: Partial<RunCreatedFields> = {},
): Promise<WorkflowRun> {
  const run = await createRun(storage, fields);
  const started = await storage.events.create(run.runId, runStarted());
  expect(started.run?.status, 'run_started should return the running run').toBe('running');
  return started.run as WorkflowRun;
}

export async function createStep(
  storage: StorageUnderTest,
  runId: string,
  stepId = newStepId(),
  input?: Uint8Array,
): Promise<Step> {
  const result = await storage.events.create(runId, stepCreated(stepId, input));
  expect(result.step, 'step_created should return the step').toBeDefined();
  return result.step as Step;
}

export async function createRunningStep(
  storage: StorageUnderTest,
  runId: string,
  stepId = newStepId(),
): Promise<Step> {
  await createStep(storage, runId, stepId);
  const result = await storage.events.create(runId, stepStarted(stepId));
  expect(result.step?.status, 'step_started should return the running step').toBe('running');
  return result.step as Step;
}

export async function createHook(
  storage: StorageUnderTest,
  runId: string,
  token = newHookToken(),
  hookId = newHookId(),
): Promise<Hook> {
  const result = await storage.events.create(runId, hookCreated(hookId, token));
  expect(result.event?.eventType, `hook_created for token ${token}`).toBe('hook_created');
  expect(result.hook, 'hook_created should return the hook').toBeDefined();
  return result.hook as Hook;
}

/** Every event of a run, oldest first, following cursors until the storage says there is no more. */
export async function listAllEvents(storage: StorageUnderTest, runId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await storage.events.list({
      runId,
      pagination: { sortOrder: 'asc', limit: 100, ...(cursor ? { cursor } : {}) },
    });
    events.push(...result.data);
    if (!result.hasMore) return events;
    expect(result.cursor, 'a page with hasMore must carry a cursor').toBeTruthy();
    cursor = result.cursor ?? undefined;
  }
  throw new Error(`events.list for ${runId} did not finish within 100 pages`);
}

/** The event types of a run in log order — the shape most assertions about the log need. */
export async function eventTypesOf(storage: StorageUnderTest, runId: string): Promise<string[]> {
  return (await listAllEvents(storage, runId)).map((event) => event.eventType);
}

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
