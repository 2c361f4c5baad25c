import type { QueueProvider } from '@worldkit/core';
import { describe } from 'vitest';
import { once, registerGroups } from '../conformance.js';
import type { QueueConformanceOptions } from './conformance-options.js';
import { concurrencyGroup } from './groups/concurrency.js';
import { contractGroup } from './groups/contract.js';
import { delaysGroup } from './groups/delays.js';
import { deliveryGroup } from './groups/delivery.js';
import { durabilityGroup } from './groups/durability.js';
import { failuresGroup } from './groups/failures.js';
import { idempotencyGroup } from './groups/idempotency.js';
import { lifecycleGroup } from './groups/lifecycle.js';
import { receiverFailuresGroup } from './groups/receiver-failures.js';
import type { QueueSuiteContext } from './suite-context.js';

/**
 * Checks a queue provider through a World composed exactly as `createWorld` composes one:
 * its transport behind core's composite queue, delivery policy and in-process compute.
 * Tests run concurrently (each on its own provider and deployment id) and use sub-second
 * delays, so the suite takes a few seconds.
 */
export function describeQueueConformance(options: QueueConformanceOptions): void {
  const create = 'create' in options ? options.create : options.createProvider;
  const declared = once(async () => (await create()).capabilities);
  const suite: QueueSuiteContext = {
    createProvider: async (): Promise<QueueProvider> => create(),
    declared,
  };
  describe(`queue conformance: ${options.name}`, {
    concurrent: true,
    timeout: options.timeoutMs ?? 20_000,
  }, () => {
    registerGroups(options.knownGaps, () => {
      contractGroup(suite);
      deliveryGroup(suite);
      delaysGroup(suite);
      idempotencyGroup(suite);
      concurrencyGroup(suite);
      failuresGroup(suite);
      receiverFailuresGroup(suite);
      lifecycleGroup(suite);
      durabilityGroup(suite);
    });
  });
}
