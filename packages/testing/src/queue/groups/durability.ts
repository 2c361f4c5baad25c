import { describe } from 'vitest';
import { skipUnlessCapable, test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { awkwardPayload } from '../payloads.js';
import { openQueueHarness, QUEUE_WAIT_MS, sleep, uniqueDeploymentId } from '../queue-harness.js';
import type { QueueSuiteContext } from '../suite-context.js';

/**
 * A restart is closing the World and composing a new one from the same provider object,
 * under the same deployment id (the messages name it).
 */
export function durabilityGroup(suite: QueueSuiteContext): void {
  describe('durability across a restart (needs durable)', () => {
    skipUnlessCapable(
      'durable',
      async () => (await suite.declared()).durable === true,
      'the provider declares durable: false, so messages live in memory only',
    );
    test('delivers a delayed message sent before the restart', async (context) => {
      const { expect } = context;
      const provider = await suite.createProvider();
      const deploymentId = uniqueDeploymentId();

      const before = openQueueHarness(provider, { deploymentId });
      const beforeDeliveries = before.handle('workflow');
      await before.start();
      await before.enqueue('workflow', awkwardPayload(), { delaySeconds: 0.4 });
      await before.close();
      expect(
        beforeDeliveries,
        'Lifecycle (docs/contract.md), durable: what the queue acknowledged survives a restart: beforeDeliveries',
      ).toHaveLength(0);

      const after = openQueueHarness(provider, { deploymentId });
      context.onTestFinished(() => after.close());
      const afterDeliveries = after.handle('workflow');
      await after.start();
      await waitUntil(() => afterDeliveries.length === 1, {
        what: 'the message after the restart',
        timeoutMs: QUEUE_WAIT_MS,
      });
      expect(
        afterDeliveries[0].message,
        'Lifecycle (docs/contract.md), durable: what the queue acknowledged survives a restart: afterDeliveries[0].message',
      ).toEqual(awkwardPayload());
    });

    test('does not redeliver acknowledged messages after the restart', async (context) => {
      const { expect } = context;
      const provider = await suite.createProvider();
      const deploymentId = uniqueDeploymentId();

      const before = openQueueHarness(provider, { deploymentId });
      const beforeDeliveries = before.handle('workflow');
      await before.start();
      await before.enqueue('workflow', { which: 'handled before' });
      await waitUntil(() => beforeDeliveries.length === 1, {
        what: 'the first message',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await before.enqueue('workflow', { which: 'pending' }, { delaySeconds: 0.3 });
      // Give the acknowledgement time to reach the backend before the restart.
      await sleep(100);
      await before.close();

      const after = openQueueHarness(provider, { deploymentId });
      context.onTestFinished(() => after.close());
      const afterDeliveries = after.handle('workflow');
      await after.start();
      await waitUntil(() => afterDeliveries.length >= 1, {
        what: 'the pending message after the restart',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(400);
      expect(
        afterDeliveries.map((delivery) => delivery.message),
        'Lifecycle (docs/contract.md), durable: what the queue acknowledged survives a restart: afterDeliveries.map((delivery) => delivery.message)',
      ).toEqual([{ which: 'pending' }]);
    });
  });
}
