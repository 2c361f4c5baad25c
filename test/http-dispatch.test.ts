import { randomBytes } from 'node:crypto';
import {
  type ComposedWorld,
  createWorld,
  decodeMessage,
  type LoadedWorkflowCode,
  loadWorkflowCode,
} from '@worldkit/core';
import { httpCompute } from '@worldkit/http';
import { local } from '@worldkit/local';
import {
  buildWorkflowFixtures,
  describeWorldConformance,
  listHooks,
  silentLogger,
  startWorkflowServer,
  type WorkflowServer,
  waitFor,
  waitForRun,
} from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeHook, start } from 'workflow/api';

const SECRET = randomBytes(32).toString('hex');

interface Served {
  path: string;
  status: number;
  /** The app's answer when it asked for a redelivery (sleep, retries). */
  timeoutSeconds?: number;
  /** The run the delivered message belongs to. */
  runId?: string;
}

/**
 * One version's app: a node:http server on 127.0.0.1 that serves the fixture code's
 * `/.well-known/workflow/v1/*` routes and records every request it answers.
 */
async function startApp(code: () => LoadedWorkflowCode | undefined) {
  const served: Served[] = [];
  const server = await startWorkflowServer(async (request) => {
    const runId = await runOf(request.clone());
    const loaded = code();
    const response = loaded
      ? await loaded.handleRequest(request)
      : new Response('workflow code not loaded yet', { status: 503 });
    const answer = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { timeoutSeconds?: number };
    served.push({
      path: new URL(request.url).pathname.replace('/.well-known/workflow/v1/', ''),
      status: response.status,
      timeoutSeconds: answer.timeoutSeconds,
      runId,
    });
    return response;
  });
  return { server, served };
}

/** Workflow messages name the run `runId`, step messages `workflowRunId`. */
async function runOf(request: Request): Promise<string | undefined> {
  try {
    const envelope = (await request.json()) as { body: string };
    const message = decodeMessage(envelope.body) as { runId?: string; workflowRunId?: string };
    return message.runId ?? message.workflowRunId;
  } catch {
    return undefined;
  }
}

const count = (served: Served[], path: string, status = 200) =>
  served.filter((entry) => entry.path === path && entry.status === status).length;

describe('HTTP dispatch: queued messages reach each version over signed HTTP', () => {
  let world: ComposedWorld;
  let current: { server: WorkflowServer; served: Served[]; code?: LoadedWorkflowCode };
  let other: { server: WorkflowServer; served: Served[]; code?: LoadedWorkflowCode };

  beforeAll(async () => {
    const built = await buildWorkflowFixtures();
    current = { ...(await startApp(() => current.code)) };
    other = { ...(await startApp(() => other.code)) };
    world = createWorld({
      ...local({ memory: true }),
      compute: httpCompute({ secret: SECRET }),
      deploymentId: 'vers_http_current',
      logger: silentLogger,
    });
    const { versions, deploymentId } = world.worldkit;
    // The version store is the only place addresses come from.
    await versions.create({ id: deploymentId, address: current.server.url });
    await versions.create({ id: 'vers_http_other', address: other.server.url });
    await versions.create({ id: 'vers_http_misrouted', address: current.server.url });
    current.code = loadWorkflowCode({ world, directory: built.directory });
    // The same build loaded a second time, as another version's code.
    other.code = loadWorkflowCode({
      world,
      directory: built.directory,
      deploymentId: 'vers_http_other',
    });
    await world.start();
  });

  afterAll(async () => {
    await world?.close();
    await current?.server.close();
    await other?.server.close();
  });

  it('runs a multi-step workflow through /flow and /step requests', async () => {
    const before = { flow: count(current.served, 'flow'), step: count(current.served, 'step') };
    const run = await start(current.code!.workflow('sequentialWorkflow'), [2, 3], { world });
    const stored = await waitForRun(world, run.runId);
    expect(stored.status).toBe('completed');
    expect(await run.returnValue).toBe(20);
    // Three steps, each one step delivery, and the workflow replayed after each of them.
    expect(count(current.served, 'step') - before.step).toBe(3);
    expect(count(current.served, 'flow') - before.flow).toBeGreaterThanOrEqual(4);
  });

  it("resumes after sleep('1s') through a { timeoutSeconds } answer", async () => {
    const run = await start(current.code!.workflow('sleepWorkflow'), ['1s'], { world });
    const stored = await waitForRun(world, run.runId);
    expect(stored.status).toBe('completed');
    const { before, after } = (await run.returnValue) as { before: number; after: number };
    expect(after - before).toBeGreaterThanOrEqual(950);
    const sleeps = current.served.filter((entry) => entry.path === 'flow' && entry.timeoutSeconds);
    expect(sleeps.length).toBeGreaterThanOrEqual(1);
  });

  it('resumes a hook', async () => {
    const token = `http-hook-${Date.now()}`;
    const run = await start(current.code!.workflow('hookWorkflow'), [token], { world });
    await waitFor('the hook', 20_000, async () =>
      (await listHooks(world, run.runId)).find((hook) => hook.token === token),
    );
    await resumeHook(token, { approved: true });
    const stored = await waitForRun(world, run.runId);
    expect(stored.status).toBe('completed');
    expect(await run.returnValue).toEqual({ label: 'hook', payload: { approved: true } });
  });

  it("delivers a run pinned to another version to that version's address", async () => {
    const run = await start(current.code!.workflow('sequentialWorkflow'), [1, 1], {
      world,
      deploymentId: 'vers_http_other',
    });
    const stored = await waitForRun(world, run.runId);
    expect(stored.status).toBe('completed');
    expect(stored.deploymentId).toBe('vers_http_other');
    // The run's first delivery (queued by start() with the run's version) reached the other
    // version's app. Later messages are queued by the code while it
    // runs, without a deploymentId, so they carry the version of the World that queues them:
    // in a real deployment that is the other version's own app; here both versions share one
    // World in one process, so those go to the current version (see the package README).
    expect(other.served.filter((entry) => entry.runId === run.runId)[0]).toMatchObject({
      path: 'flow',
      status: 200,
    });
  });

  it('refuses to run a version whose address points at another version’s app', async () => {
    const run = await start(current.code!.workflow('sequentialWorkflow'), [1, 1], {
      world,
      deploymentId: 'vers_http_misrouted',
    });
    await waitFor('the misrouted delivery to be refused', 20_000, async () =>
      current.served.find((entry) => entry.status === 422) ? true : undefined,
    );
    expect((await world.runs.get(run.runId)).status).toBe('pending');
  });

  it('answered every delivery for a loaded version with 200', () => {
    const refused = current.served.filter((entry) => entry.status !== 200 && entry.status !== 422);
    expect(refused).toEqual([]);
    expect(other.served.every((entry) => entry.status === 200)).toBe(true);
    console.log(
      `http dispatch: ${count(current.served, 'flow')} flow + ${count(current.served, 'step')} step requests to the current version, ${other.served.length} to the other version`,
    );
  });
});

// The whole-World suite on the same composition: its loopback server (baseUrl) serves the
// fixture code's flow/step routes through `handleRequest`, so every delivery goes over HTTP.
// The dispatcher's fetch is counted (not replaced) to show that it does.
let conformanceDispatches = 0;
const countingFetch: typeof fetch = (input, init) => {
  conformanceDispatches += 1;
  return fetch(input, init);
};
afterAll(() => {
  console.log(`http dispatch (whole-World suite): ${conformanceDispatches} signed deliveries`);
  expect(conformanceDispatches).toBeGreaterThan(100);
});

describeWorldConformance({
  name: '@worldkit/local + httpCompute (signed HTTP dispatch)',
  concurrentRuns: 25,
  create: ({ baseUrl }) => {
    const world = createWorld({
      ...local({ memory: true }),
      compute: httpCompute({ secret: SECRET, fetch: countingFetch }),
      deploymentId: 'vers_http_conformance',
      logger: silentLogger,
    });
    const startWorld = world.start;
    // Register the version before the consumer starts, as a deploy step would.
    world.start = async () => {
      await world.worldkit.versions.create({ id: world.worldkit.deploymentId, address: baseUrl });
      await startWorld();
    };
    return world;
  },
});
