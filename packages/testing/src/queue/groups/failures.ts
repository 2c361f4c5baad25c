import { encodeMessage, type QueueEnvelope, type QueueTransport } from '@worldkit/core';
import { describe } from 'vitest';
import { test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import {
  QUEUE_WAIT_MS,
  queueNameFor,
  SUITE_DELIVERY_POLICY,
  sleep,
  uniqueDeploymentId,
} from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';

type DeadLetter = { envelope: unknown; reason: string; at: number };

async function deadLettersOf(transport: QueueTransport): Promise<DeadLetter[] | undefined> {
  return transport.deadLetters ? transport.deadLetters() : undefined;
}

/** Waits until the transport lists `count` dead letters (when it can list them at all). */
async function waitForDeadLetters(
  transport: QueueTransport,
  count: number,
): Promise<DeadLetter[] | undefined> {
  if (!transport.deadLetters) return undefined;
  let letters: DeadLetter[] = [];
  const deadline = Date.now() + 5_000;
  while (letters.length < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${count} dead letters; have ${JSON.stringify(letters)}`,
      );
    }
    await sleep(20);
    letters = await transport.deadLetters();
  }
  return letters;
}

function validEnvelope(
  deploymentId: string,
  overrides: Partial<QueueEnvelope> = {},
): QueueEnvelope {
  const now = Date.now();
  return {
    format: 1,
    messageId: `msg_raw_${now}_${Math.random().toString(36).slice(2)}`,
    queueName: queueNameFor('workflow'),
    deploymentId,
    body: encodeMessage({ raw: true }),
    attempt: 1,
    failures: 0,
    notBefore: now,
    createdAt: now,
    ...overrides,
  };
}

export function failuresGroup(suite: QueueSuiteContext): void {
  describe('failures', () => {
    test('retries a handler that throws, with backoff, and stops once it succeeds', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context, {
        delivery: { maxAttempts: 5, backoffBaseSeconds: 0.1 },
      });
      const deliveries = queue.handle('workflow', async (_message, delivery) => {
        if (delivery.attempt < 3) throw new Error(`flaky attempt ${delivery.attempt}`);
      });
      await queue.start();

      const messageId = await queue.enqueue('workflow', { runId: 'wrun_flaky' });
      await waitUntil(() => deliveries.length === 3, {
        what: 'the third attempt',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(300);

      expect(
        deliveries.map((delivery) => delivery.attempt),
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries.map((delivery) => delivery.attempt)',
      ).toEqual([1, 2, 3]);
      expect(
        deliveries.every((delivery) => delivery.messageId === messageId),
        'Queue (docs/contract.md), nothing is lost: each redelivery after a failure must be the same message (same messageId)',
      ).toBe(true);
      // Backoff is min(0.1 * 2^(failures-1), 0.2) s: 0.1 s, then 0.2 s.
      expect(
        deliveries[1].at - deliveries[0].at,
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries[1].at - deliveries[0].at',
      ).toBeGreaterThanOrEqual(95);
      expect(
        deliveries[2].at - deliveries[1].at,
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries[2].at - deliveries[1].at',
      ).toBeGreaterThanOrEqual(195);
      expect(
        (await deadLettersOf(queue.transport)) ?? [],
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: (await deadLettersOf(queue.transport)) ?? []',
      ).toEqual([]);
    });

    test('dead-letters a message whose handler keeps throwing after maxAttempts', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow', async () => {
        throw new Error('handler always fails');
      });
      await queue.start();

      const messageId = await queue.enqueue('workflow', { runId: 'wrun_doomed' });
      await waitUntil(() => deliveries.length === SUITE_DELIVERY_POLICY.maxAttempts, {
        what: 'every attempt',
        timeoutMs: QUEUE_WAIT_MS,
      });
      const letters = await waitForDeadLetters(queue.transport, 1);
      await sleep(400);

      expect(
        deliveries,
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries',
      ).toHaveLength(SUITE_DELIVERY_POLICY.maxAttempts);
      if (letters) {
        expect(
          letters,
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters',
        ).toHaveLength(1);
        expect(
          letters[0].envelope,
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters[0].envelope',
        ).toMatchObject({ messageId });
        expect(
          letters[0].reason,
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters[0].reason',
        ).toMatch(/3 failed deliveries; last: handler always fails/);
        expect(
          letters[0].at,
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters[0].at',
        ).toEqual(expect.any(Number));
      }
    });

    test('dead-letters malformed envelopes and undecodable bodies without stopping the consumer', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');
      await queue.start();

      const bad: unknown[] = [
        { hello: 'not an envelope' },
        'a bare string',
        validEnvelope(queue.deploymentId, { queueName: 'not-a-queue-name' }),
        validEnvelope(queue.deploymentId, { body: '{ this is not json' }),
      ];
      for (const envelope of bad) {
        await queue.transport.send(envelope as QueueEnvelope, { delaySeconds: 0 });
      }
      // A well-formed raw envelope and a normal send still go through afterwards.
      await queue.transport.send(validEnvelope(queue.deploymentId), { delaySeconds: 0 });
      await queue.enqueue('workflow', { runId: 'wrun_after_garbage' });

      await waitUntil(() => deliveries.length === 2, {
        what: 'the two good messages',
        timeoutMs: QUEUE_WAIT_MS,
      });
      expect(
        deliveries.map((delivery) => delivery.message),
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries.map((delivery) => delivery.message)',
      ).toEqual(expect.arrayContaining([{ raw: true }, { runId: 'wrun_after_garbage' }]));
      const letters = await waitForDeadLetters(queue.transport, bad.length);
      await sleep(200);
      expect(
        deliveries,
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries',
      ).toHaveLength(2);
      if (letters) {
        const reasons = letters.map((letter) => letter.reason);
        expect(
          reasons.filter((reason) => reason.startsWith('malformed envelope')),
          "Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: reasons.filter((reason) => reason.startsWith('malformed envelope'))",
        ).toHaveLength(3);
        expect(
          reasons.filter((reason) => reason.startsWith('undecodable body')),
          "Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: reasons.filter((reason) => reason.startsWith('undecodable body'))",
        ).toHaveLength(1);
        expect(
          letters.map((letter) => letter.envelope),
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters.map((letter) => letter.envelope)',
        ).toEqual(expect.arrayContaining(bad));
      }
    });

    test('retries a message for a version whose code is not loaded, then dead-letters it', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const deliveries = queue.handle('workflow');
      await queue.start();

      const absent = uniqueDeploymentId();
      const messageId = await queue.enqueue(
        'workflow',
        { runId: 'wrun_orphan' },
        { deploymentId: absent },
      );
      const letters = await waitForDeadLetters(queue.transport, 1);
      if (!letters) await sleep(1_000);

      expect(
        deliveries,
        'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: deliveries',
      ).toHaveLength(0);
      if (letters) {
        expect(
          letters[0].envelope,
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters[0].envelope',
        ).toMatchObject({ messageId, deploymentId: absent });
        expect(
          letters[0].reason,
          'Queue (docs/contract.md), failed deliveries come back with backoff, then dead-letter; malformed envelopes are dead-lettered: letters[0].reason',
        ).toMatch(
          new RegExp(
            `${SUITE_DELIVERY_POLICY.maxAttempts} failed deliveries; last: no code for version "${absent}"`,
          ),
        );
      }
    });
  });
}
