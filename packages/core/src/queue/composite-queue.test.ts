import { describe, expect, it } from 'vitest';
import { withDeliveryScope, withRecoveryScope } from '../compute/delivery-scope.js';
import { inProcessCompute } from '../compute/in-process.js';
import type { QueueEnvelope, QueueTransport } from '../contracts/queue.js';
import { createMemoryVersionStore } from '../versions/memory-version-store.js';
import { createCompositeQueue } from './composite-queue.js';

function recordingQueue() {
  const sent: QueueEnvelope[] = [];
  const delays: number[] = [];
  const transport: QueueTransport = {
    kind: 'transport',
    async send(envelope, options) {
      sent.push(envelope);
      delays.push(options.delaySeconds);
      return { accepted: true };
    },
    async consume() {},
  };
  const versions = createMemoryVersionStore();
  const compute = inProcessCompute().create({
    deploymentId: 'v2',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    versions: () => versions,
  });
  const queue = createCompositeQueue({
    transport,
    compute,
    deploymentId: 'v2',
    maxDelaySeconds: 900,
  });
  return { sent, delays, queue };
}

describe('composite queue: which version a message belongs to', () => {
  it('uses the explicit deploymentId, else the delivery being handled, else the process version', async () => {
    const { sent, queue } = recordingQueue();
    await queue.queue('__wkf_step_a', { runId: 'r' } as never, { deploymentId: 'v0' });
    // A v1 run's handler enqueues its next step without naming a version: it stays on v1.
    await withDeliveryScope('v1', () => queue.queue('__wkf_step_a', { runId: 'r' } as never));
    await queue.queue('__wkf_workflow_a', { runId: 'r' } as never);
    expect(sent.map((envelope) => envelope.deploymentId)).toEqual(['v0', 'v1', 'v2']);
  });

  it('caps the first native delay at the transport maximum and keeps the full wait in notBefore', async () => {
    const { sent, delays, queue } = recordingQueue();
    const before = Date.now();
    await queue.queue('__wkf_workflow_a', { runId: 'r' } as never, { delaySeconds: 3600 });
    expect(delays).toEqual([900]);
    expect(sent[0]!.notBefore).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it('rejects an invalid queue name before sending anything', async () => {
    const { sent, queue } = recordingQueue();
    await expect(queue.queue('not-a-queue' as never, {} as never)).rejects.toThrow();
    expect(sent).toHaveLength(0);
  });

  it('keys what a recovery wake-up enqueues apart from the messages it replaces', async () => {
    const { sent, queue } = recordingQueue();
    const step = () =>
      queue.queue('__wkf_step_a', { stepId: 's' } as never, { idempotencyKey: 'step_1' });
    await step();
    // An ordinary delivery keeps the runtime's key, so duplicates of it are dropped as before.
    await withRecoveryScope('some-other-key', step);
    await withRecoveryScope(undefined, step);
    // Inside a recovery wake-up the key also names the wake-up: a transport still holding
    // `step_1` (its message purged) lets the re-send through; two deliveries of the same
    // wake-up share it.
    await withRecoveryScope('recover:run_1:1000:7', step);
    await withRecoveryScope('recover:run_1:1000:7', () =>
      queue.queue('__wkf_workflow_a', { runId: 'run_1' } as never),
    );
    expect(sent.map((envelope) => envelope.idempotencyKey)).toEqual([
      'step_1',
      'step_1',
      'step_1',
      'step_1|recover:run_1:1000:7',
      undefined,
    ]);
  });
});
