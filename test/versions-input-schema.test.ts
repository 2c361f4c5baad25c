import { randomBytes } from 'node:crypto';
import { importKey } from '@workflow/core/encryption';
import { dehydrateWorkflowArguments } from '@workflow/core/serialization';
import {
  type ComposedWorld,
  checkCompatibility,
  createWorld,
  type LoadedWorkflowCode,
  upgradeRun,
} from '@worldkit/core';
import { local } from '@worldkit/local';
import { silentLogger } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildVersionFixtures,
  startOn,
  startWorldWithFixtureVersions,
  untilEvent,
} from './support/versions.js';

// The input schema check on runs the current runtime started: their input is stored serialized
// (format prefix + devalue text), so the check must decode it before comparing.
const V1 = 'vers_schema_v1';
const V2 = 'vers_schema_v2';
const MATCHING = 'vers_schema_matching';
const MISMATCHING = 'vers_schema_mismatching';
const ENCRYPTED = 'vers_schema_encrypted';

/** `sleepingWorkflow(name, duration)` as a schema, and one that wants an options object too. */
const twoStrings = {
  type: 'array',
  prefixItems: [{ type: 'string' }, { type: 'string' }],
  minItems: 2,
};
const wantsOptions = {
  type: 'array',
  minItems: 3,
  prefixItems: [{ type: 'string' }, { type: 'number' }, { type: 'object' }],
};

let world: ComposedWorld;
let v1: LoadedWorkflowCode;
let v2: LoadedWorkflowCode;

beforeAll(async () => {
  const builds = await buildVersionFixtures();
  world = createWorld({ ...local({ memory: true }), deploymentId: V1, logger: silentLogger });
  ({ v1, v2 } = await startWorldWithFixtureVersions(world, builds, { v1: V1, v2: V2 }));
  const withSchema = (id: string, schema: unknown) =>
    world.worldkit.versions.create({
      id,
      label: id,
      manifest: { ...v2.manifest, inputSchemas: { sleepingWorkflow: schema } },
    });
  await withSchema(MATCHING, twoStrings);
  await withSchema(MISMATCHING, wantsOptions);
  await withSchema(ENCRYPTED, twoStrings);
});

/**
 * A run (not queued, so it never executes) whose stored input is `input`, created the way
 * `start()` creates one: a `run_created` event carrying the serialized arguments.
 */
async function storeRun(workflowName: string, input: unknown): Promise<string> {
  const created = await world.events.create(null, {
    eventType: 'run_created',
    eventData: { deploymentId: V1, workflowName, input },
  });
  if (!created.run) throw new Error('run_created returned no run');
  return created.run.runId;
}

afterAll(async () => {
  await world?.close();
});

describe('input schema check on runs started by @workflow/core', () => {
  it('decodes the stored input: a matching input passes, a mismatching one is an input-schema problem', async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['schema', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    const { input: stored, workflowName } = await world.runs.get(old.runId);
    // The runtime stored it serialized, not as a plain array (which the check used to need).
    expect(stored).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode((stored as Uint8Array).subarray(0, 4))).toBe('devl');

    const matching = await checkCompatibility(world, old.runId, MATCHING);
    expect(matching).toMatchObject({ compatible: true, problems: [] });
    expect(matching.inputNotCheckedReason).toBeUndefined();

    const mismatching = await checkCompatibility(world, old.runId, MISMATCHING);
    expect(mismatching.compatible).toBe(false);
    expect(mismatching.problems).toEqual([
      {
        kind: 'input-schema',
        message: `input does not match the input schema of "${workflowName}" in "${MISMATCHING}": (input) needs at least 3 item(s), got 2`,
      },
      {
        kind: 'input-schema',
        message: `input does not match the input schema of "${workflowName}" in "${MISMATCHING}": /1 should be number, got string`,
      },
    ]);

    // A restart onto the mismatching version is refused for the same reason, and changes nothing.
    const refused = await upgradeRun(world, old.runId, {
      to: MISMATCHING,
      strategy: 'cancel-and-restart',
    });
    expect(refused.status).toBe('refused');
    expect(refused.reasons.join(' ')).toMatch(/needs at least 3 item/);
    expect((await world.runs.get(old.runId)).status).not.toBe('cancelled');
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });

  it('says the input was not checked when it is encrypted, without calling the run incompatible', async () => {
    const old = await startOn(world, v1, 'sleepingWorkflow', ['secret', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    const { workflowName } = await world.runs.get(old.runId);
    // What an encrypting World stores: the same arguments under the run's key.
    const key = await importKey(new Uint8Array(randomBytes(32)));
    const encrypted = await dehydrateWorkflowArguments(['secret', '1h'], old.runId, key);
    expect(new TextDecoder().decode((encrypted as Uint8Array).subarray(0, 4))).toBe('encr');
    const stored = await storeRun(workflowName, encrypted);
    const report = await checkCompatibility(world, stored, ENCRYPTED);
    expect(report).toMatchObject({ compatible: true, problems: [] });
    expect(report.inputNotCheckedReason).toBe(
      `the input was not checked against the input schema of "${workflowName}" in "${ENCRYPTED}": it is encrypted`,
    );
    // An upgrade is not refused for it, and its result says the same.
    const dryRun = await upgradeRun(world, stored, {
      to: ENCRYPTED,
      strategy: 'cancel-and-restart',
      dryRun: true,
    });
    expect(dryRun).toMatchObject({
      status: 'dry-run',
      inputNotCheckedReason: report.inputNotCheckedReason,
    });
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });
});

describe("the runtime's serializer, read back by the check", () => {
  const schema = {
    type: 'array',
    prefixItems: [
      { type: 'string' },
      { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } },
    ],
  };

  it.each([
    ['spec version 2+ (devl)', false],
    ['legacy spec version 1 (flattened array)', true],
  ])('%s: compares the decoded arguments with the schema', async (_label, v1Compat) => {
    const serialize = (args: unknown[]) =>
      dehydrateWorkflowArguments(args, 'wrun_probe', undefined, [], globalThis, v1Compat);
    const version = `vers_schema_direct_${v1Compat ? 'legacy' : 'current'}`;
    await world.worldkit.versions.create({
      id: version,
      label: version,
      manifest: { ...v2.manifest, inputSchemas: { sleepingWorkflow: schema } },
    });
    const old = await startOn(world, v1, 'sleepingWorkflow', ['direct', '1h']);
    await untilEvent(world, old.runId, 'wait_created');
    const { workflowName } = await world.runs.get(old.runId);
    const reportFor = async (args: unknown[]) =>
      checkCompatibility(world, await storeRun(workflowName, await serialize(args)), version);

    const good = await reportFor(['ada', { id: 3, at: new Date(0), tags: new Set(['x']) }]);
    expect(good).toMatchObject({ compatible: true, problems: [] });
    expect(good.inputNotCheckedReason).toBeUndefined();

    const bad = await reportFor([new Date(0), { id: 1.5 }]);
    expect(bad.compatible).toBe(false);
    expect(bad.problems.map((problem) => problem.message.split(': ').at(-1))).toEqual([
      '/0 should be string, got Date',
      '/1/id should be integer, got number',
    ]);
    await world.events.create(old.runId, { eventType: 'run_cancelled' });
  });
});
