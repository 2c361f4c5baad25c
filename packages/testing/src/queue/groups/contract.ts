import { negotiate } from '@worldkit/core';
import { describe, test } from 'vitest';
import { testProviderContext } from '../../provider-context.js';
import type { QueueSuiteContext } from '../suite-context.js';

export function contractGroup(suite: QueueSuiteContext): void {
  describe('provider contract', () => {
    test('passes negotiation and declares the queue capabilities', async ({ expect }) => {
      const provider = await suite.createProvider();
      expect(provider.slot).toBe('queue');
      expect(() => negotiate(provider)).not.toThrow();
      const { maxDelaySeconds, idempotencyKeys, durable } = provider.capabilities;
      expect(
        maxDelaySeconds === null || (typeof maxDelaySeconds === 'number' && maxDelaySeconds > 0),
      ).toBe(true);
      // The suite's switches must describe the provider as it describes itself.
      expect(idempotencyKeys).toBe(suite.capabilities.idempotencyKeys);
      expect(durable).toBe(suite.capabilities.durable);
    });

    test('creates a transport synchronously, without starting it', async ({ expect }) => {
      const provider = await suite.createProvider();
      const instance = provider.create(testProviderContext({ deploymentId: 'qc-contract' }));
      expect(instance).not.toBeInstanceOf(Promise);
      expect(instance.kind).toBe('transport');
      if (instance.kind !== 'transport') return;
      expect(typeof instance.send).toBe('function');
      expect(typeof instance.consume).toBe('function');
      await instance.close?.();
    });
  });
}
