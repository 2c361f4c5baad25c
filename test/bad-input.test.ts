import * as workflowErrors from '@workflow/errors';
import type { Storage } from '@workflow/world';
import {
  createReceiver,
  createWorld,
  encodeMessage,
  inProcessCompute,
  type QueueEnvelope,
} from '@worldkit/core';
import { local } from '@worldkit/local';
import { silentLogger, testProviderContext } from '@worldkit/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Generated bad input against each part: every case must end in a typed error (or a
// dead-letter outcome), never an untyped crash, and leave stored data readable.
const CONFIG_ERRORS = new Set([
  'WorldkitConfigError',
  'ProviderVersionError',
  'MissingCapabilityError',
]);
const WORLD_ERRORS = new Set(
  Object.values(workflowErrors)
    .filter((value): value is new (...args: never[]) => Error => typeof value === 'function')
    .map((errorClass) => errorClass.name),
);

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('bad input is rejected with typed errors', () => {
  it('2,000 generated configs: createWorld either composes or throws one of the config errors', () => {
    const parts = local({ memory: true });
    const slotValue = fc.oneof(
      fc.anything(),
      fc.constantFrom(parts.storage, parts.queue, parts.streamer, parts.versions),
      fc.record({
        slot: fc.constantFrom('storage', 'queue', 'streamer', 'versions', 'compute', 'nope'),
        specificationVersion: fc.oneof(fc.constant('v1'), fc.string()),
        name: fc.string(),
        packageName: fc.string(),
        capabilities: fc.dictionary(fc.string(), fc.anything()),
        create: fc.constant(() => ({})),
      }),
    );
    const config = fc.record(
      {
        storage: slotValue,
        queue: slotValue,
        streamer: slotValue,
        versions: slotValue,
        deploymentId: fc.oneof(fc.string(), fc.anything()),
        delivery: fc.anything(),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const outcomes = { composed: 0, rejected: 0 };
    fc.assert(
      fc.property(config, (candidate) => {
        const error = thrownBy(() => createWorld(candidate as never));
        if (error === undefined) {
          outcomes.composed++;
          return;
        }
        outcomes.rejected++;
        expect(error).toBeInstanceOf(Error);
        expect(CONFIG_ERRORS).toContain((error as Error).name);
        // One line per problem, each naming a key.
        for (const line of (error as Error).message.split('\n').slice(1)) {
          expect(line).toMatch(/^ {2}- .+: expected /);
        }
      }),
      { numRuns: 2000, seed: 20261123 },
    );
    console.log(
      `configs: ${outcomes.rejected} rejected with typed errors, ${outcomes.composed} composed`,
    );
    expect(outcomes.rejected).toBeGreaterThan(1500);
  });

  it('3,000 generated queue messages: the receiver dead-letters every malformed one and never throws', async () => {
    const compute = inProcessCompute().create(testProviderContext());
    const receiver = createReceiver({
      compute,
      policy: { maxAttempts: 1, backoffBaseSeconds: 0, backoffMaxSeconds: 0 },
      maxDelaySeconds: null,
      logger: silentLogger,
    });
    const validEnvelope: QueueEnvelope = {
      format: 1,
      messageId: 'msg_fuzz',
      queueName: '__wkf_step_fuzz',
      deploymentId: 'fuzz-no-handlers',
      body: encodeMessage({ hello: 'world' }),
      attempt: 1,
      failures: 0,
      notBefore: 0,
      createdAt: 0,
    };
    const mutated = fc
      .record({
        key: fc.constantFrom(...Object.keys(validEnvelope)),
        value: fc.anything(),
        id: fc.nat(),
      })
      .map(({ key, value, id }) => ({ ...validEnvelope, messageId: `msg_${id}`, [key]: value }));
    const message = fc.oneof(
      fc.anything(),
      mutated,
      fc.string().map((body) => ({ ...validEnvelope, body })),
    );
    const counts = { deadLettered: 0, other: 0 };
    await fc.assert(
      fc.asyncProperty(message, async (raw) => {
        const outcome = await receiver(raw);
        expect(['ack', 'redeliver', 'dead-letter']).toContain(outcome.type);
        if (outcome.type === 'dead-letter') counts.deadLettered++;
        else counts.other++;
      }),
      { numRuns: 3000, seed: 20261123 },
    );
    console.log(
      `queue messages: ${counts.deadLettered} dead-lettered, ${counts.other} otherwise handled`,
    );
    // No handler is loaded for the fuzz version, so even well-formed messages end dead-lettered
    // (maxAttempts 1) or deferred by a chained delay — nothing may be silently acknowledged.
    expect(counts.deadLettered).toBeGreaterThan(2500);
  });

  it('1,000 generated events: storage answers with @workflow/errors and stays readable', async () => {
    const world = createWorld({ ...local({ memory: true }), logger: silentLogger });
    const storage: Storage = world;
    const { run } = await storage.events.create(null, {
      eventType: 'run_created',
      eventData: { deploymentId: 'local', workflowName: 'fuzz', input: new Uint8Array([1]) },
      specVersion: 3,
    } as never);
    const runId = run!.runId;
    const event = fc.record(
      {
        eventType: fc.oneof(
          fc.constantFrom(
            'run_created',
            'run_started',
            'run_completed',
            'run_failed',
            'run_cancelled',
            'step_created',
            'step_started',
            'step_completed',
            'step_failed',
            'step_retrying',
            'hook_created',
            'hook_received',
            'hook_disposed',
            'wait_created',
            'wait_completed',
          ),
          fc.string(),
        ),
        correlationId: fc.oneof(
          fc.constantFrom('step_a', 'hook_a', 'wait_a'),
          fc.string(),
          fc.anything(),
        ),
        eventData: fc.oneof(fc.anything(), fc.dictionary(fc.string(), fc.anything())),
        specVersion: fc.oneof(fc.constant(3), fc.integer()),
      },
      { requiredKeys: ['eventType'] },
    );
    const counts = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(event, fc.boolean(), async (request, sameRun) => {
        try {
          await storage.events.create(sameRun ? runId : `wrun_${Math.random()}`, request as never);
          counts.accepted++;
        } catch (error) {
          counts.rejected++;
          expect(error).toBeInstanceOf(Error);
          expect(WORLD_ERRORS).toContain((error as Error).name);
        }
      }),
      { numRuns: 1000, seed: 20261123 },
    );
    // Whatever was accepted must still read back as a consistent run and event log.
    const stored = await storage.runs.get(runId);
    expect(stored.runId).toBe(runId);
    const events = await storage.events.list({ runId, pagination: { limit: 1000 } });
    expect(events.data.every((stored) => stored.runId === runId)).toBe(true);
    console.log(
      `events: ${counts.rejected} rejected with @workflow/errors, ${counts.accepted} accepted`,
    );
    expect(counts.rejected).toBeGreaterThan(500);
    await world.close();
  });
});
