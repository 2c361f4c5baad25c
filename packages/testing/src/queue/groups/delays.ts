import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { QUEUE_WAIT_MS, sleep } from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';

/** The composer pretends the backend cannot delay longer than this, to force chaining. */
const CHAIN_MAX_DELAY_SECONDS = 1;

export function delaysGroup(suite: QueueSuiteContext): void {
  describe('delays and redelivery', () => {
    test('holds a message back for delaySeconds', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');
      await queue.start();

      const sentAt = Date.now();
      await queue.enqueue('workflow', { which: 'delayed' }, { delaySeconds: 0.5 });
      await queue.enqueue('workflow', { which: 'immediate' });
      await waitUntil(() => deliveries.length === 2, {
        what: 'both messages',
        timeoutMs: QUEUE_WAIT_MS,
      });

      expect(
        deliveries.map((delivery) => delivery.message),
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries.map((delivery) => delivery.message)',
      ).toEqual([{ which: 'immediate' }, { which: 'delayed' }]);
      // Timers never fire early; the slack covers millisecond rounding of Date.now().
      expect(
        deliveries[1].at - sentAt,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[1].at - sentAt',
      ).toBeGreaterThanOrEqual(490);
    });

    test('redelivers the same message after the handler returns { timeoutSeconds }', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow', async (_message, delivery) =>
        delivery.attempt === 1 ? { timeoutSeconds: 0.3 } : undefined,
      );
      await queue.start();

      const messageId = await queue.enqueue('workflow', { runId: 'wrun_sleepy' });
      await waitUntil(() => deliveries.length === 2, {
        what: 'the redelivery',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(200);

      expect(
        deliveries,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries',
      ).toHaveLength(2);
      expect(
        deliveries.map((delivery) => delivery.attempt),
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries.map((delivery) => delivery.attempt)',
      ).toEqual([1, 2]);
      expect(
        deliveries.every((delivery) => delivery.messageId === messageId),
        'Queue (docs/contract.md): every delivery must carry the messageId the send returned (the same message, not a copy with a new id)',
      ).toBe(true);
      expect(
        deliveries[1].message,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[1].message',
      ).toEqual({ runId: 'wrun_sleepy' });
      expect(
        deliveries[1].at - deliveries[0].at,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[1].at - deliveries[0].at',
      ).toBeGreaterThanOrEqual(290);
    });

    test('chains a delay longer than the backend maximum', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context, {
        maxDelaySeconds: CHAIN_MAX_DELAY_SECONDS,
      });
      const deliveries = queue.handle('workflow');
      await queue.start();

      const sentAt = Date.now();
      await queue.enqueue('workflow', { runId: 'wrun_long_delay' }, { delaySeconds: 2.5 });
      await waitUntil(() => deliveries.length === 1, {
        what: 'the chained delivery',
        timeoutMs: QUEUE_WAIT_MS,
      });

      // The receiver handles a message at most 1 s before it is due, so anything before
      // 1.5 s means the delay was cut at the 1 s "native" maximum instead of chained.
      expect(
        deliveries[0].at - sentAt,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[0].at - sentAt',
      ).toBeGreaterThanOrEqual(1_450);
      // Chained hops are not attempts: the handler sees the first delivery.
      expect(
        deliveries[0].attempt,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[0].attempt',
      ).toBe(1);
    });

    test('chains a { timeoutSeconds } longer than the backend maximum', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context, {
        maxDelaySeconds: CHAIN_MAX_DELAY_SECONDS,
      });
      const deliveries = queue.handle('workflow', async (_message, delivery) =>
        delivery.attempt === 1 ? { timeoutSeconds: 2.2 } : undefined,
      );
      await queue.start();

      await queue.enqueue('workflow', { runId: 'wrun_long_sleep' });
      await waitUntil(() => deliveries.length === 2, {
        what: 'the redelivery after a long sleep',
        timeoutMs: QUEUE_WAIT_MS,
      });

      expect(
        deliveries[1].at - deliveries[0].at,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[1].at - deliveries[0].at',
      ).toBeGreaterThanOrEqual(1_150);
      expect(
        deliveries.map((delivery) => delivery.attempt),
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries.map((delivery) => delivery.attempt)',
      ).toEqual([1, 2]);
      expect(
        deliveries[1].messageId,
        'Queue (docs/contract.md), send() delivers no earlier than the delay: deliveries[1].messageId',
      ).toBe(deliveries[0].messageId);
    });
  });
}
