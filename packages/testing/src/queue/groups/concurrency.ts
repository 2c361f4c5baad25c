import { describe, test } from 'vitest';
import { sleep, waitUntil } from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';

export function concurrencyGroup(suite: QueueSuiteContext): void {
  const limit = suite.capabilities.concurrencyLimit;
  describe('concurrency', () => {
    const name =
      limit === undefined
        ? 'runs deliveries in parallel'
        : `runs deliveries in parallel, never more than ${limit} at once`;
    test(name, async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      let running = 0;
      let mostAtOnce = 0;
      const deliveries = queue.handle('workflow', async () => {
        running++;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(120);
        running--;
      });
      const count = Math.max(12, (limit ?? 0) * 3);
      for (let index = 0; index < count; index++) {
        await queue.enqueue('workflow', { index });
      }
      await queue.start();
      await waitUntil(() => deliveries.length === count && running === 0, `${count} deliveries`);

      expect(mostAtOnce).toBeGreaterThanOrEqual(2);
      if (limit !== undefined) expect(mostAtOnce).toBe(Math.min(limit, count));
    });
  });
}
