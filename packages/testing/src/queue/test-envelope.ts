import type { QueueEnvelope } from '@worldkit/core';

/**
 * A well-formed queue envelope for transport tests, due now, with a unique message id;
 * `overrides` set what the test is about (its id, queue, version, body, idempotency key).
 * Transports store envelopes as given, so extra fields a test adds travel with it.
 */
export function testEnvelope(
  overrides: Partial<QueueEnvelope> & Record<string, unknown> = {},
): QueueEnvelope {
  const now = Date.now();
  return {
    format: 1,
    messageId: `msg_${now}_${Math.random().toString(36).slice(2)}`,
    queueName: '__wkf_workflow_test',
    deploymentId: 'dpl_test',
    body: '{}',
    attempt: 1,
    failures: 0,
    notBefore: now,
    createdAt: now,
    ...overrides,
  };
}
