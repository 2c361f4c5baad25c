import {
  type DeliveryOutcome,
  type QueueEnvelope,
  type QueueProvider,
  type QueueReceiver,
  SPECIFICATION_VERSION,
} from '@worldkit/core';
import { describe } from 'vitest';
import { once, registerGroups } from '../conformance.js';
import { receiverFailuresGroup } from './groups/receiver-failures.js';
import { sleep } from './queue-harness.js';
import type { QueueSuiteContext } from './suite-context.js';

/**
 * The receiver-failure group must catch the two ways a transport can lose work: dropping a
 * message whose receiver threw (or answered nothing), and letting close() return while a
 * delivery is still running. A tiny in-memory transport is written here three times — correct,
 * lossy, and with a close() that does not wait — and the group is run against each. The broken
 * ones list the tests they must fail as known gaps: those run as expected failures, so if the
 * group ever stopped catching the bug, the expected failure would pass and this file would fail.
 */
interface TinyQueueFaults {
  /** Acknowledge (drop) a message whose receiver threw or returned no outcome. */
  dropOnFailure?: boolean;
  /** close() returns at once instead of waiting for deliveries in flight. */
  closeWithoutWaiting?: boolean;
}

function tinyQueue(faults: TinyQueueFaults = {}): QueueProvider {
  return {
    slot: 'queue',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'tiny',
    packageName: '@worldkit/testing',
    capabilities: { maxDelaySeconds: null, idempotencyKeys: false, durable: false },
    create: () => {
      let receiver: QueueReceiver | undefined;
      let closed = false;
      let inFlight = 0;
      const timers = new Set<NodeJS.Timeout>();
      const schedule = (envelope: QueueEnvelope, delaySeconds: number) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          void deliver(envelope);
        }, delaySeconds * 1000);
        timers.add(timer);
      };
      const deliver = async (envelope: QueueEnvelope) => {
        if (closed) return;
        if (!receiver) return schedule(envelope, 0.05);
        inFlight++;
        let outcome: DeliveryOutcome | undefined;
        try {
          outcome = await receiver(envelope);
        } catch {
          outcome = undefined;
        } finally {
          inFlight--;
        }
        if (outcome?.type === 'redeliver') schedule(outcome.envelope, outcome.delaySeconds);
        else if (!outcome && !faults.dropOnFailure) {
          schedule({ ...envelope, attempt: envelope.attempt + 1 }, 0.05);
        }
      };
      return {
        kind: 'transport',
        async send(envelope, { delaySeconds }) {
          schedule(envelope, delaySeconds);
          return { accepted: true };
        },
        async consume(next) {
          receiver = next;
        },
        async close() {
          closed = true;
          for (const timer of timers) clearTimeout(timer);
          if (faults.closeWithoutWaiting) return;
          while (inFlight > 0) await sleep(10);
        },
      };
    },
  };
}

function describeGroupOn(name: string, create: () => QueueProvider, knownGaps = {}) {
  const suite: QueueSuiteContext = {
    createProvider: async () => create(),
    declared: once(() => create().capabilities),
  };
  describe(name, { concurrent: true, timeout: 60_000 }, () => {
    registerGroups(knownGaps, () => receiverFailuresGroup(suite));
  });
}

describeGroupOn('a correct tiny queue', () => tinyQueue());

describeGroupOn(
  'a tiny queue that drops a message when its receiver fails',
  () => tinyQueue({ dropOnFailure: true }),
  {
    'throwing: the message is kept and delivered again':
      'drops the message when the receiver throws',
    'returning no outcome: the delivery counts as failed and the message comes back':
      'drops the message when the receiver answers nothing',
  },
);

describeGroupOn(
  'a tiny queue whose close() does not wait',
  () => tinyQueue({ closeWithoutWaiting: true }),
  {
    'close() waits for a receiver call in flight before it resolves':
      'close() returns while a delivery is still running',
  },
);
