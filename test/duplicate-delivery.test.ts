import {
  createWorld,
  type QueueEnvelope,
  type QueueProvider,
  type QueueReceiver,
  type QueueTransport,
} from '@worldkit/core';
import { local } from '@worldkit/local';
import { describeWorldConformance } from '@worldkit/testing';
import { afterAll, expect } from 'vitest';

/**
 * A queue that delivers every message twice and shuffles delivery order with random
 * delays (0–40 ms per copy). Real queues are at-least-once and unordered; the whole-World
 * suite run on top must still produce the same results with no duplicate events.
 */
function duplicatingQueue(inner: QueueProvider, deliveries: Map<string, number>): QueueProvider {
  return {
    ...inner,
    name: `${inner.name}+duplicating`,
    create(context) {
      const transport = inner.create(context) as QueueTransport;
      const jitter = () => Math.random() * 0.04;
      return {
        kind: 'transport',
        start: transport.start?.bind(transport),
        close: transport.close?.bind(transport),
        async send(envelope: QueueEnvelope, options: { delaySeconds: number }) {
          const first = await transport.send(envelope, {
            delaySeconds: options.delaySeconds + jitter(),
          });
          // The copy bypasses idempotency keys on purpose: a broker may redeliver anything.
          const { idempotencyKey: _dropped, ...copy } = envelope;
          await transport.send(copy, { delaySeconds: options.delaySeconds + jitter() });
          return first;
        },
        consume(receiver: QueueReceiver) {
          return transport.consume(async (raw) => {
            const { messageId, attempt } = raw as QueueEnvelope;
            const key = `${messageId}#${attempt}`;
            deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
            return receiver(raw);
          });
        },
      };
    },
  };
}

/** How many times each message (id + attempt) reached the consumer. */
const deliveries = new Map<string, number>();
afterAll(() => {
  // Proves the wrapper really duplicated traffic: most messages reached the consumer twice.
  // (Copies still queued when a test's World closes, or dropped by idempotency keys, never arrive.)
  const twice = [...deliveries.values()].filter((count) => count >= 2).length;
  console.log(`duplicate delivery: ${deliveries.size} messages, ${twice} delivered twice or more`);
  expect(deliveries.size).toBeGreaterThan(100);
  expect(twice / deliveries.size).toBeGreaterThan(0.5);
});

describeWorldConformance({
  name: '@worldkit/local with every message delivered twice, out of order',
  create: () => {
    const parts = local({ memory: true });
    return createWorld({ ...parts, queue: duplicatingQueue(parts.queue, deliveries) });
  },
});
