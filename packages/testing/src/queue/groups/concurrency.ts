import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { QUEUE_WAIT_MS, sleep } from '../queue-harness.js';
import { declaredConcurrency, openForTest, type QueueSuiteContext } from '../suite-context.js';

export function concurrencyGroup(suite: QueueSuiteContext): void {
  describe('concurrency', () => {
    // Without a declared numeric `concurrency`, only parallelism is checked.
    test('runs deliveries in parallel, never more than the declared concurrency at once', async (context) => {
      const { expect } = context;
      const limit = declaredConcurrency(await suite.declared());
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
      await waitUntil(() => deliveries.length === count && running === 0, {
        what: `${count} deliveries`,
        timeoutMs: QUEUE_WAIT_MS,
      });

      expect(
        mostAtOnce,
        'deliveries must run in parallel: at most one handler call ran at a time',
      ).toBeGreaterThanOrEqual(2);
      if (limit !== undefined) {
        expect(
          mostAtOnce,
          `the provider declares concurrency: ${limit}; the most handler calls at once must reach that limit and never exceed it`,
        ).toBe(Math.min(limit, count));
      }
    });
  });
}
