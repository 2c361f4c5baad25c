import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { QUEUE_WAIT_MS, sleep } from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';

export function lifecycleGroup(suite: QueueSuiteContext): void {
  describe('close()', () => {
    test('waits for handlers in flight', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      let finished = false;
      const deliveries = queue.handle('workflow', async () => {
        await sleep(300);
        finished = true;
      });
      await queue.start();
      await queue.enqueue('workflow', { runId: 'wrun_busy' });
      await waitUntil(() => deliveries.length === 1, {
        what: 'the delivery to start',
        timeoutMs: QUEUE_WAIT_MS,
      });

      await queue.close();
      expect(
        finished,
        'Queue (docs/contract.md): close() waits for deliveries in flight, so the handler must have finished when close() resolves',
      ).toBe(true);
    });

    test('stops delivering messages that become due afterwards', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');
      await queue.start();
      await queue.enqueue('workflow', { runId: 'wrun_late' }, { delaySeconds: 0.3 });

      await queue.close();
      await sleep(700);
      expect(
        deliveries,
        'Queue (docs/contract.md), close() stops claiming new messages and waits for deliveries in flight: deliveries',
      ).toHaveLength(0);
    });
  });
}
