import { negotiate } from '@worldkit/core';
import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { testProviderContext } from '../../provider-context.js';
import type { QueueSuiteContext } from '../suite-context.js';

export function contractGroup(suite: QueueSuiteContext): void {
  describe('provider contract', () => {
    test('passes negotiation and declares the queue capabilities', async ({ expect }) => {
      const provider = await suite.createProvider();
      expect(provider.slot, 'a queue provider declares slot: "queue"').toBe('queue');
      expect(
        () => negotiate(provider as unknown as Parameters<typeof negotiate>[0]),
        "the provider must pass the composer's negotiation (slot, specificationVersion, name, packageName, capabilities)",
      ).not.toThrow();
      const { maxDelaySeconds, idempotencyKeys, durable, concurrency } =
        provider.capabilities as unknown as Record<string, unknown>;
      expect(
        maxDelaySeconds === null || (typeof maxDelaySeconds === 'number' && maxDelaySeconds > 0),
        `capabilities.maxDelaySeconds must be null (unbounded) or a positive number of seconds, got ${String(maxDelaySeconds)}`,
      ).toBe(true);
      expect(
        typeof idempotencyKeys,
        'capabilities.idempotencyKeys must be a boolean: the suite runs the idempotency group when it is true',
      ).toBe('boolean');
      expect(
        typeof durable,
        'capabilities.durable must be a boolean: the suite runs the restart group when it is true, and the composer reads it',
      ).toBe('boolean');
      expect(
        concurrency === undefined || (typeof concurrency === 'number' && concurrency > 0),
        `capabilities.concurrency, when declared, must be a positive number (the most handler calls at once), got ${String(concurrency)}`,
      ).toBe(true);
    });

    test('creates a transport synchronously, without starting it', async ({ expect }) => {
      const provider = await suite.createProvider();
      const instance = provider.create(testProviderContext({ deploymentId: 'qc-contract' }));
      expect(
        instance,
        'provider.create(context) must be synchronous and free of I/O (docs/contract.md, providers)',
      ).not.toBeInstanceOf(Promise);
      expect(instance.kind, 'a queue transport declares kind: "transport"').toBe('transport');
      if (instance.kind !== 'transport') return;
      expect(typeof instance.send, 'a transport has send(envelope, { delaySeconds })').toBe(
        'function',
      );
      expect(typeof instance.consume, 'a transport has consume(receiver)').toBe('function');
      await instance.close?.();
    });
  });
}
