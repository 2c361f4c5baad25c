import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { awkwardPayload } from '../payloads.js';
import { QUEUE_WAIT_MS, queueNameFor, sleep } from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';

export function deliveryGroup(suite: QueueSuiteContext): void {
  describe('delivery', () => {
    test('delivers a message with its payload intact (bytes with null bytes, dates)', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');
      await queue.start();

      const sent = awkwardPayload();
      const messageId = await queue.enqueue('workflow', sent);
      expect(
        messageId,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: messageId',
      ).toEqual(expect.any(String));
      await waitUntil(() => deliveries.length === 1, {
        what: 'the message to be delivered',
        timeoutMs: QUEUE_WAIT_MS,
      });

      const [delivery] = deliveries;
      expect(
        delivery.message,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: delivery.message',
      ).toEqual(sent);
      const received = delivery.message as ReturnType<typeof awkwardPayload>;
      expect(
        received.bytes,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: received.bytes',
      ).toBeInstanceOf(Uint8Array);
      expect(
        [...received.bytes],
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: [...received.bytes]',
      ).toEqual([0, 1, 0, 255, 0, 128]);
      expect(
        received.requestedAt,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: received.requestedAt',
      ).toBeInstanceOf(Date);
      expect(
        received.requestedAt.toISOString(),
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: received.requestedAt.toISOString()',
      ).toBe('2024-02-29T12:34:56.789Z');
      expect(
        delivery,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: delivery',
      ).toMatchObject({
        attempt: 1,
        messageId,
        queueName: queueNameFor('workflow'),
      });
      await sleep(150);
      expect(
        deliveries,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: deliveries',
      ).toHaveLength(1);
    });

    test('routes workflow and step messages to their own handlers', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const workflows = queue.handle('workflow');
      const steps = queue.handle('step');
      await queue.start();

      await queue.enqueue('step', { stepId: 'step_1' });
      await queue.enqueue('workflow', { runId: 'wrun_1' });
      await waitUntil(() => workflows.length === 1 && steps.length === 1, {
        what: 'both messages',
        timeoutMs: QUEUE_WAIT_MS,
      });

      expect(
        workflows[0],
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: workflows[0]',
      ).toMatchObject({
        message: { runId: 'wrun_1' },
        queueName: queueNameFor('workflow'),
      });
      expect(
        steps[0],
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: steps[0]',
      ).toMatchObject({
        message: { stepId: 'step_1' },
        queueName: queueNameFor('step'),
      });
    });

    test('keeps messages sent before start() and delivers them once it is called', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');

      await queue.enqueue('workflow', { order: 'immediate' });
      await queue.enqueue('workflow', { order: 'delayed' }, { delaySeconds: 0.1 });
      await sleep(250);
      expect(
        deliveries,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: deliveries',
      ).toHaveLength(0);

      await queue.start();
      await waitUntil(() => deliveries.length === 2, {
        what: 'both early messages',
        timeoutMs: QUEUE_WAIT_MS,
      });
      expect(
        deliveries.map((delivery) => delivery.message),
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: deliveries.map((delivery) => delivery.message)',
      ).toEqual(expect.arrayContaining([{ order: 'immediate' }, { order: 'delayed' }]));
    });

    test('delivers each of many messages exactly once when handlers succeed', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');
      await queue.start();

      const count = 30;
      const ids = await Promise.all(
        Array.from({ length: count }, (_, index) => queue.enqueue('workflow', { index })),
      );
      expect(
        new Set(ids).size,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: new Set(ids).size',
      ).toBe(count);
      await waitUntil(() => deliveries.length >= count, {
        what: `${count} deliveries`,
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(200);

      expect(
        deliveries,
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: deliveries',
      ).toHaveLength(count);
      const indexes = deliveries.map((delivery) => (delivery.message as { index: number }).index);
      expect(
        indexes.sort((a, b) => a - b),
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: indexes.sort((a, b) => a - b)',
      ).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(
        new Set(deliveries.map((delivery) => delivery.messageId)),
        'Queue (docs/contract.md), consume() delivers every due envelope as sent: new Set(deliveries.map((delivery) => delivery.messageId))',
      ).toEqual(new Set(ids));
    });
  });
}
