import type { QueueEnvelope } from '@worldkit/core';
import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { sleep } from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';
import { testEnvelope } from '../test-envelope.js';

/**
 * How long a transport may take to hand back a message whose receiver failed: its own retry
 * backoff or, at worst, a lease or visibility timeout running out. Generous on purpose.
 */
const REDELIVERY_DEADLINE_MS = 45_000;

/**
 * The receiver is the composer's delivery policy; it should never throw, but a bug, a crash of
 * the process mid-delivery or an outage of the storage it writes to can make it. The transport
 * must then keep the message and deliver it again — never ack it, never drop it. Tested on the
 * transport directly, below the composer, since the composer's own receiver does not fail.
 */
export function receiverFailuresGroup(suite: QueueSuiteContext): void {
  describe('a receiver that fails', () => {
    test('throwing: the message is kept and delivered again', {
      timeout: 60_000,
    }, async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const calls: string[] = [];
      await queue.transport.consume(async (raw) => {
        calls.push((raw as QueueEnvelope).messageId);
        if (calls.length === 1) throw new Error('the receiver crashed');
        return { type: 'ack' };
      });
      const envelope = testEnvelope({ deploymentId: queue.deploymentId });
      await queue.transport.send(envelope, { delaySeconds: 0 });

      await waitUntil(() => calls.length >= 2, {
        what: 'the message to be delivered again after its receiver threw',
        timeoutMs: REDELIVERY_DEADLINE_MS,
      });
      expect(
        calls.slice(0, 2),
        'docs/contract.md, Queue, "Nothing is lost": a receiver that throws has not handled the message, so the transport must keep it and deliver the same message again (not ack or drop it)',
      ).toEqual([envelope.messageId, envelope.messageId]);
      await sleep(300);
      expect(
        calls,
        'once the second delivery was acknowledged, the message must not be delivered again',
      ).toHaveLength(2);
    });

    test('returning no outcome: the delivery counts as failed and the message comes back', {
      timeout: 60_000,
    }, async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const calls: string[] = [];
      await queue.transport.consume((async (raw: unknown) => {
        calls.push((raw as QueueEnvelope).messageId);
        return calls.length === 1 ? undefined : { type: 'ack' };
      }) as Parameters<typeof queue.transport.consume>[0]);
      const envelope = testEnvelope({ deploymentId: queue.deploymentId });
      await queue.transport.send(envelope, { delaySeconds: 0 });

      await waitUntil(() => calls.length >= 2, {
        what: 'the message to be delivered again after its receiver returned no outcome',
        timeoutMs: REDELIVERY_DEADLINE_MS,
      });
      expect(
        calls.slice(0, 2),
        'docs/contract.md, Queue, "Nothing is lost": a receiver that returns no outcome has not handled the message, so the same message must come back',
      ).toEqual([envelope.messageId, envelope.messageId]);
    });

    test('close() waits for a receiver call in flight before it resolves', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      let started = 0;
      let finished = 0;
      await queue.transport.consume(async () => {
        started++;
        await sleep(400);
        finished++;
        return { type: 'ack' };
      });
      await queue.transport.send(testEnvelope({ deploymentId: queue.deploymentId }), {
        delaySeconds: 0,
      });
      await waitUntil(() => started === 1, {
        what: 'the receiver to be called',
        timeoutMs: REDELIVERY_DEADLINE_MS,
      });

      await queue.close();
      expect(
        finished,
        'docs/contract.md, Queue: close() waits for deliveries in flight, so it must resolve only after the receiver call has returned (a process that exits on close() must not cut a delivery off halfway)',
      ).toBe(1);
    });
  });
}
