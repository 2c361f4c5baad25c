import { fileURLToPath } from 'node:url';
import type { Event, WorkflowRun } from '@workflow/world';
import {
  type ComposedWorld,
  createWorld,
  type LoadedWorkflowCode,
  loadWorkflowCode,
} from '@worldkit/core';
import { local } from '@worldkit/local';
import {
  type BuiltWorkflows,
  buildWorkflows,
  listAllEvents,
  listHooks,
  silentLogger,
  waitFor,
  waitForRun,
} from '@worldkit/testing';
import { start } from 'workflow/api';

// Shared setup of the versions e2e suites: two builds of test/fixtures-versions (v2 changes
// what the `greet` step returns, so every result says which version ran each step), loaded
// side by side into one process and one World, plus the waits those suites poll with.

/** The two fixture builds, made once per process (the build itself is cached by source hash). */
export interface VersionFixtureBuilds {
  v1: BuiltWorkflows;
  v2: BuiltWorkflows;
}

/** The deploymentIds a suite registers the fixtures under; each suite uses its own. */
export interface FixtureVersionIds {
  v1: string;
  v2: string;
}

/** Both fixture builds, loaded into one World under their version ids. */
export interface LoadedFixtureVersions {
  v1: LoadedWorkflowCode;
  v2: LoadedWorkflowCode;
}

const fixtureDirectory = (version: 'v1' | 'v2') =>
  fileURLToPath(new URL(`../fixtures-versions/${version}`, import.meta.url));

/** Runs `wf build` on test/fixtures-versions/v1 and v2 in parallel. */
export async function buildVersionFixtures(): Promise<VersionFixtureBuilds> {
  const [v1, v2] = await Promise.all([
    buildWorkflows({ sourceDirectory: fixtureDirectory('v1') }),
    buildWorkflows({ sourceDirectory: fixtureDirectory('v2') }),
  ]);
  return { v1, v2 };
}

/**
 * Loads both builds into `world`, starts it, registers both versions and promotes v1.
 * The code is loaded before `world.start()` because loading installs the World the
 * bundles' queue handlers run on.
 */
export async function startWorldWithFixtureVersions(
  world: ComposedWorld,
  builds: VersionFixtureBuilds,
  ids: FixtureVersionIds,
): Promise<LoadedFixtureVersions> {
  const v1 = loadWorkflowCode({ world, directory: builds.v1.directory, deploymentId: ids.v1 });
  const v2 = loadWorkflowCode({ world, directory: builds.v2.directory, deploymentId: ids.v2 });
  await world.start();
  await world.worldkit.versions.create({ id: ids.v1, label: 'v1', manifest: v1.manifest });
  await world.worldkit.versions.create({ id: ids.v2, label: 'v2', manifest: v2.manifest });
  await world.worldkit.versions.promote(ids.v1);
  return { v1, v2 };
}

/**
 * The usual set-up of a versions suite: both fixture builds in one in-memory local World whose
 * own version is `ids.v1`, started, with both versions registered and v1 promoted.
 */
export async function startLocalWorldWithFixtureVersions(
  ids: FixtureVersionIds,
): Promise<LoadedFixtureVersions & { world: ComposedWorld }> {
  const builds = await buildVersionFixtures();
  const world = createWorld({
    ...local({ memory: true }),
    deploymentId: ids.v1,
    logger: silentLogger,
  });
  return { world, ...(await startWorldWithFixtureVersions(world, builds, ids)) };
}

/** Starts the workflow `name` of `code` pinned to that code's version. */
export function startOn(
  world: ComposedWorld,
  code: LoadedWorkflowCode,
  name: string,
  args: unknown[],
) {
  return start(code.workflow(name), args, { world, deploymentId: code.deploymentId });
}

/** An event narrowed by its type, so e.g. a `wait_created` event's `eventData.resumeAt` is typed. */
export type EventOfType<T extends Event['eventType']> = Extract<Event, { eventType: T }>;

/** A predicate for `Array.prototype.find` that narrows to events of one type. */
export const isEventOfType =
  <T extends Event['eventType']>(eventType: T) =>
  (event: Event): event is EventOfType<T> =>
    event.eventType === eventType;

/** Waits (up to 20 s) for the first event of `eventType` in the run's log. */
export function untilEvent<T extends Event['eventType']>(
  world: ComposedWorld,
  runId: string,
  eventType: T,
): Promise<EventOfType<T>> {
  return waitFor(`${eventType} in ${runId}`, 20_000, async () =>
    (await listAllEvents(world, runId)).find(isEventOfType(eventType)),
  );
}

/** Waits (up to 20 s) until the run has created the hook with `token`. */
export function untilHook(world: ComposedWorld, runId: string, token: string) {
  return waitFor(`hook ${token} on ${runId}`, 20_000, async () =>
    (await listHooks(world, runId)).find((hook) => hook.token === token),
  );
}

/** Waits (up to 30 s) until the run is completed, failed or cancelled. */
export function untilFinished(world: ComposedWorld, runId: string): Promise<WorkflowRun> {
  return waitForRun(world, runId, 30_000);
}

/** A hook token no other run in the process (or an earlier test run) has used. */
export const uniqueToken = (label: string) =>
  `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
