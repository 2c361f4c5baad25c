import { describe } from 'vitest';
import { skipUnlessCapable, test } from '../../conformance.js';
import { waitUntil } from '../../wait-until.js';
import { QUEUE_WAIT_MS, sleep } from '../queue-harness.js';
import { openForTest, type QueueSuiteContext } from '../suite-context.js';

export function idempotencyGroup(suite: QueueSuiteContext): void {
  describe('idempotency keys (needs idempotencyKeys)', () => {
    skipUnlessCapable(
      'idempotencyKeys',
      async () => (await suite.declared()).idempotencyKeys === true,
      'the provider declares idempotencyKeys: false, so duplicates are delivered',
    );
    test('drops a second send with a key it already accepted', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const steps = queue.handle('step');
      await queue.start();

      const first = await queue.enqueue('step', { copy: 1 }, { idempotencyKey: 'step_dup' });
      const second = await queue.enqueue('step', { copy: 2 }, { idempotencyKey: 'step_dup' });
      const other = await queue.enqueue('step', { copy: 3 }, { idempotencyKey: 'step_other' });
      expect(
        first,
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: first',
      ).toEqual(expect.any(String));
      expect(
        second,
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: second',
      ).toBeNull();
      expect(
        other,
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: other',
      ).toEqual(expect.any(String));

      await waitUntil(() => steps.length >= 2, {
        what: 'the two distinct messages',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(250);
      expect(
        steps.map((delivery) => delivery.message),
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: steps.map((delivery) => delivery.message)',
      ).toEqual(expect.arrayContaining([{ copy: 1 }, { copy: 3 }]));
      expect(
        steps,
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: steps',
      ).toHaveLength(2);
    });

    test('drops a duplicate sent while the first is still delayed', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const steps = queue.handle('step');
      await queue.start();

      await queue.enqueue('step', { copy: 1 }, { idempotencyKey: 'step_later', delaySeconds: 0.3 });
      await sleep(100);
      const duplicate = await queue.enqueue('step', { copy: 2 }, { idempotencyKey: 'step_later' });
      expect(
        duplicate,
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: duplicate',
      ).toBeNull();

      await waitUntil(() => steps.length === 1, {
        what: 'the delayed message',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(250);
      expect(
        steps.map((delivery) => delivery.message),
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: steps.map((delivery) => delivery.message)',
      ).toEqual([{ copy: 1 }]);
    });

    test('lets concurrent sends with one key through exactly once', async (context) => {
      const { expect } = context;
      const queue = await openForTest(suite, context);
      const steps = queue.handle('step');
      await queue.start();

      const ids = await Promise.all(
        Array.from({ length: 5 }, (_, copy) =>
          queue.enqueue('step', { copy }, { idempotencyKey: 'step_race' }),
        ),
      );
      expect(
        ids.filter((id) => id !== null),
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: ids.filter((id) => id !== null)',
      ).toHaveLength(1);
      await waitUntil(() => steps.length === 1, {
        what: 'the one accepted message',
        timeoutMs: QUEUE_WAIT_MS,
      });
      await sleep(250);
      expect(
        steps,
        'Queue (docs/contract.md), idempotencyKeys: a second send with an accepted key is dropped: steps',
      ).toHaveLength(1);
    });
  });
}
