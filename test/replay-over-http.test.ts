import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ComposedWorld,
  checkCompatibility,
  createWorld,
  type LoadedWorkflowCode,
  listUpgrades,
  loadWorkflowCode,
  upgradeRun,
} from '@worldkit/core';
import { httpCompute } from '@worldkit/http';
import { local } from '@worldkit/local';
import {
  type BuiltWorkflows,
  listAllEvents,
  silentLogger,
  startWorkflowServer,
  type WorkflowServer,
  waitFor,
} from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVersionFixtures, startOn, untilEvent } from './support/versions.js';

// The replay check of an upgrade when the target version's code runs only in its own
// deployment — the case of every Vercel deployment. v2 is served by a child process (its code
// is loaded nowhere else); the checking process has v1's code and a World with HTTP compute,
// which asks v2's deployment, over a signed request, to replay the old run's log in a sandbox.
const V1 = 'vers_http_replay_v1';
const V2 = 'vers_http_replay_v2';
const SECRET = randomBytes(32).toString('hex');
const testDirectory = fileURLToPath(new URL('.', import.meta.url));

let world: ComposedWorld;
let v1: LoadedWorkflowCode;
let v1App: WorkflowServer;
let v2Deployment: ChildProcess | undefined;

/** Starts `serve-version.mjs` for `build` and resolves with its URL once it listens. */
async function startDeployment(build: BuiltWorkflows, deploymentId: string) {
  const child = spawn(
    process.execPath,
    [join(testDirectory, 'scripts/serve-version.mjs'), build.directory, deploymentId],
    {
      cwd: testDirectory,
      env: { ...process.env, WORLDKIT_DISPATCH_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const url = await waitFor(`deployment ${deploymentId} to listen`, 60_000, async () => {
    if (child.exitCode !== null) throw new Error(`deployment exited: ${output}`);
    return /listening (\S+)/.exec(output)?.[1];
  });
  return { child, url };
}

const manifestOf = (build: BuiltWorkflows) =>
  JSON.parse(
    readFileSync(join(build.directory, '.well-known/workflow/v1/manifest.json'), 'utf8'),
  ) as Record<string, unknown>;

beforeAll(async () => {
  const builds = await buildVersionFixtures();
  const deployment = await startDeployment(builds.v2, V2);
  v2Deployment = deployment.child;

  world = createWorld({
    ...local({ memory: true }),
    compute: httpCompute({ secret: SECRET }),
    deploymentId: V1,
    logger: silentLogger,
  });
  v1 = loadWorkflowCode({ world, directory: builds.v1.directory, deploymentId: V1 });
  v1App = await startWorkflowServer((request) => v1.handleRequest(request));
  await world.start();
  await world.worldkit.versions.create({ id: V1, address: v1App.url, manifest: v1.manifest });
  await world.worldkit.versions.create({
    id: V2,
    address: deployment.url,
    manifest: manifestOf(builds.v2),
  });
  await world.worldkit.versions.promote(V1);
});

afterAll(async () => {
  await world?.close();
  await v1App?.close();
  // Stopped by the PID we started, never by name.
  if (v2Deployment?.pid && v2Deployment.exitCode === null) process.kill(v2Deployment.pid);
});

describe('replay check of a version reachable only over HTTP', () => {
  it("accepts a log v2's code reproduces: checked by v2's deployment, not skipped", async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['remote', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    const report = await checkCompatibility(world, old.runId, V2);
    expect(report.replayNotCheckedReason).toBeUndefined();
    expect(report).toMatchObject({ compatible: true, problems: [], replay: 'compatible' });
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });

  it('reports the first event v2 cannot reproduce, and upgrades refuse before writing', async () => {
    // v1 greets then sleeps; v2 sleeps then greets.
    const old = await startOn(world, v1, 'reorderedWorkflow', ['remote']);
    await untilEvent(world, old.runId, 'wait_created');
    const log = await listAllEvents(world, old.runId);

    const report = await checkCompatibility(world, old.runId, V2);
    expect(report.replay).toBe('diverged');
    expect(report.compatible).toBe(false);
    const divergence = report.problems.find((problem) => problem.kind === 'replay-divergence');
    expect(divergence?.message).toMatch(/cannot replay the event log/);
    expect(log.map((event) => event.eventId)).toContain(divergence?.eventId);

    const result = await upgradeRun(world, old.runId, { to: V2, strategy: 'cancel-and-resume' });
    expect(result.status).toBe('refused');
    expect(result.reasons.join('\n')).toMatch(/cannot replay the event log/);
    expect((await world.runs.get(old.runId)).status).not.toBe('cancelled');
    expect(await listUpgrades(world, { runId: old.runId })).toEqual([]);
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });

  it('says the replay was not checked, and why, when the deployment cannot be reached', async () => {
    const closed = await startWorkflowServer(async () => new Response('gone', { status: 503 }));
    await closed.close();
    await world.worldkit.versions.create({
      id: 'vers_http_replay_gone',
      address: closed.url,
      manifest: v1.manifest,
    });
    const old = await startOn(world, v1, 'sleepingWorkflow', ['gone', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    const report = await checkCompatibility(world, old.runId, 'vers_http_replay_gone');
    expect(report.replay).toBe('not-checked');
    expect(report.replayNotCheckedReason).toMatch(/could not ask http:\/\/127\.0\.0\.1:\d+/);
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });
});
