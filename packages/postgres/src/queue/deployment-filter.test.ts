import { createReceiver, encodeMessage } from '@worldkit/core';
import { startPostgresServer } from '@worldkit/test-servers';
import { testEnvelope } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresQueue } from './postgres-queue.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const envelope = (deploymentId: string, label: string) =>
  testEnvelope({
    messageId: `msg_${deploymentId}_${label}`,
    queueName: '__wkf_workflow_filter',
    deploymentId,
    body: encodeMessage({ label }),
  });

/** A consumer that records which version's messages reached it. */
async function consumer(only: readonly string[]) {
  const seen: string[] = [];
  const queue = createPostgresQueue(
    {
      connectionString: server.url,
      schema: 'filter',
      pollIntervalMs: 100,
      deployments: () => only,
    },
    quiet,
  );
  await queue.consume(
    createReceiver({
      compute: {
        register() {},
        async deliver(received) {
          seen.push(received.deploymentId);
          return { type: 'done' };
        },
      },
      policy: { maxAttempts: 3, backoffBaseSeconds: 0.05, backoffMaxSeconds: 0.1 },
      maxDelaySeconds: null,
      logger: quiet,
    }),
  );
  return { queue, seen };
}

describe('deployments filter', () => {
  it('each process claims only messages for the versions it hosts', async () => {
    const v1 = await consumer(['v1']);
    const v2 = await consumer(['v2']);
    for (let i = 0; i < 5; i++) {
      await v1.queue.send(envelope('v1', `a${i}`), { delaySeconds: 0 });
      await v1.queue.send(envelope('v2', `b${i}`), { delaySeconds: 0 });
    }
    await expect.poll(() => v1.seen.length + v2.seen.length, { timeout: 5_000 }).toBe(10);
    expect(v1.seen).toEqual(Array(5).fill('v1'));
    expect(v2.seen).toEqual(Array(5).fill('v2'));
    await v1.queue.close();
    await v2.queue.close();
  });
});
