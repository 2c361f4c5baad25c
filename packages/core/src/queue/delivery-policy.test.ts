import { describe, expect, it } from 'vitest';
import type { ComputeInstance, HandlerResult } from '../contracts/compute.js';
import type { QueueEnvelope } from '../contracts/queue.js';
import { createReceiver } from './delivery-policy.js';
import { encodeMessage } from './message-codec.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const NOW = 1_000_000;
let clock = NOW;

function envelope(overrides: Partial<QueueEnvelope> = {}): QueueEnvelope {
  return {
    format: 1,
    messageId: 'msg_1',
    queueName: '__wkf_step_demo',
    deploymentId: 'v1',
    body: encodeMessage({ hello: 'world' }),
    attempt: 1,
    failures: 0,
    notBefore: NOW,
    createdAt: NOW,
    ...overrides,
  };
}

function receiverReturning(result: HandlerResult, maxDelaySeconds: number | null = null) {
  const delivered: unknown[] = [];
  const compute: ComputeInstance = {
    register() {},
    async deliver(_envelope, message) {
      delivered.push(message);
      return result;
    },
  };
  const receiver = createReceiver({
    compute,
    policy: { maxAttempts: 3, backoffBaseSeconds: 2, backoffMaxSeconds: 5 },
    maxDelaySeconds,
    logger: silent,
    now: () => clock,
  });
  clock = NOW;
  return { receiver, delivered };
}

describe('delivery policy', () => {
  it('acks a handled message and hands the decoded payload to compute', async () => {
    const { receiver, delivered } = receiverReturning({ type: 'done' });
    expect(await receiver(envelope())).toEqual({ type: 'ack' });
    expect(delivered).toEqual([{ hello: 'world' }]);
  });

  it('redelivers the same message after { timeoutSeconds } with the next attempt number', async () => {
    const { receiver } = receiverReturning({ type: 'timeout', timeoutSeconds: 30 });
    expect(await receiver(envelope())).toEqual({
      type: 'redeliver',
      delaySeconds: 30,
      envelope: envelope({ attempt: 2, notBefore: NOW + 30_000 }),
    });
  });

  it('chains a wait longer than the backend maximum and does not run the handler early', async () => {
    const { receiver, delivered } = receiverReturning(
      { type: 'timeout', timeoutSeconds: 86_400 },
      900,
    );
    const first = await receiver(envelope());
    expect(first).toMatchObject({ type: 'redeliver', delaySeconds: 900 });
    const next = (first as { envelope: QueueEnvelope }).envelope;
    expect(next.notBefore).toBe(NOW + 86_400_000);
    // Woken after 900 s by the backend: still 23.75 h to go, so it re-queues without delivering.
    const early = await receiver({ ...next, notBefore: NOW + 85_500_000 });
    expect(early).toMatchObject({ type: 'redeliver', delaySeconds: 900 });
    expect(delivered).toHaveLength(1);
  });

  it('backs off a failing handler exponentially, then dead-letters at maxAttempts', async () => {
    const { receiver } = receiverReturning({ type: 'failed', error: 'boom' });
    // The transport delivers each retry when it falls due.
    const dueNow = (outcome: unknown) => {
      const next = (outcome as { envelope: QueueEnvelope }).envelope;
      clock = next.notBefore;
      return next;
    };
    const first = await receiver(envelope());
    expect(first).toMatchObject({ type: 'redeliver', delaySeconds: 2 });
    const second = await receiver(dueNow(first));
    expect(second).toMatchObject({ type: 'redeliver', delaySeconds: 4, envelope: { failures: 2 } });
    const third = await receiver(dueNow(second));
    expect(third).toEqual({ type: 'dead-letter', reason: '3 failed deliveries; last: boom' });
  });

  it('dead-letters malformed envelopes and undecodable bodies instead of throwing', async () => {
    const { receiver, delivered } = receiverReturning({ type: 'done' });
    const malformed = await receiver({ messageId: 'x' });
    expect(malformed.type).toBe('dead-letter');
    expect((malformed as { reason: string }).reason).toMatch(/^malformed envelope: /);
    const undecodable = await receiver(envelope({ body: '{not json' }));
    expect(undecodable.type).toBe('dead-letter');
    expect((undecodable as { reason: string }).reason).toMatch(/^undecodable body: /);
    expect(delivered).toHaveLength(0);
  });

  it('warns once when deliveries start failing, logs the retries at debug, and says when they succeed again', async () => {
    const lines: Array<[string, string]> = [];
    const logger = {
      debug: (message: string) => lines.push(['debug', message]),
      info: (message: string) => lines.push(['info', message]),
      warn: (message: string) => lines.push(['warn', message]),
      error: (message: string) => lines.push(['error', message]),
    };
    let next: HandlerResult = { type: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:5432' };
    const compute: ComputeInstance = {
      register() {},
      deliver: async () => next,
    };
    const receiver = createReceiver({
      compute,
      policy: { maxAttempts: 10, backoffBaseSeconds: 1, backoffMaxSeconds: 5 },
      maxDelaySeconds: null,
      logger,
      now: () => clock,
    });
    for (let attempt = 1; attempt <= 5; attempt++) {
      clock += 1_000;
      await receiver(envelope({ messageId: `msg_fail_${attempt}` }));
    }
    const warnings = lines.filter(([level]) => level === 'warn');
    expect(warnings).toEqual([
      [
        'warn',
        'workflow deliveries are failing (the handler threw: storage or runtime trouble); retrying until it is back (further failures are logged at debug level)',
      ],
    ]);
    expect(lines.filter(([level]) => level === 'debug')).toHaveLength(4);

    next = { type: 'done' };
    clock += 1_000;
    await receiver(envelope({ messageId: 'msg_ok' }));
    expect(lines.at(-1)).toEqual(['info', 'workflow deliveries succeed again']);

    // A version whose code is not here: one warning per version, whatever the number of messages.
    next = { type: 'no-handler', reason: 'no code for version "v9"' };
    for (let index = 0; index < 3; index++) {
      await receiver(envelope({ messageId: `msg_v9_${index}`, deploymentId: 'v9' }));
    }
    expect(lines.filter(([level]) => level === 'warn')).toHaveLength(2);
    expect(lines.filter(([level]) => level === 'warn').at(-1)?.[1]).toMatch(
      /messages arrive for a version whose code is not here/,
    );
  });
});
