import type { DeliveryPolicy } from '../config/world-config.js';
import type { ComputeInstance } from '../contracts/compute.js';
import {
  type DeliveryOutcome,
  type QueueEnvelope,
  type QueueReceiver,
  queueEnvelopeSchema,
} from '../contracts/queue.js';
import type { Logger } from '../logging/logger.js';
import { DuplicateGuard } from './duplicate-guard.js';
import { decodeMessage } from './message-codec.js';

export interface ReceiverSettings {
  compute: ComputeInstance;
  policy: DeliveryPolicy;
  /** Longest delay the transport applies natively; longer waits are chained. */
  maxDelaySeconds: number | null;
  logger: Logger;
  now?: () => number;
}

/**
 * One redelivery policy for every transport: honours `{ timeoutSeconds }` (sleep, step
 * retries) at any length by chaining delays the backend cannot apply in one go, backs off
 * handlers that throw, and dead-letters malformed or hopeless messages instead of crashing.
 */
export function createReceiver(settings: ReceiverSettings): QueueReceiver {
  const now = settings.now ?? Date.now;
  const duplicates = new DuplicateGuard();
  const clampDelay = (seconds: number) =>
    settings.maxDelaySeconds === null ? seconds : Math.min(seconds, settings.maxDelaySeconds);

  return async (raw): Promise<DeliveryOutcome> => {
    const parsed = queueEnvelopeSchema.safeParse(raw);
    if (!parsed.success) {
      const reason = `malformed envelope: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)
        .join('; ')}`;
      settings.logger.warn('dead-lettering a queue message', { reason });
      return { type: 'dead-letter', reason };
    }
    const envelope = parsed.data;

    const waitMs = envelope.notBefore - now();
    if (waitMs > 1000) {
      // A chained delay: the backend woke us early because the wait exceeds its maximum.
      return { type: 'redeliver', envelope, delaySeconds: clampDelay(Math.ceil(waitMs / 1000)) };
    }

    return duplicates.run(`${envelope.messageId}#${envelope.attempt}`, () => deliver(envelope));
  };

  async function deliver(envelope: QueueEnvelope): Promise<DeliveryOutcome> {
    let message: unknown;
    try {
      message = decodeMessage(envelope.body);
    } catch (error) {
      const reason = `undecodable body: ${error instanceof Error ? error.message : String(error)}`;
      settings.logger.warn('dead-lettering a queue message', {
        messageId: envelope.messageId,
        reason,
      });
      return { type: 'dead-letter', reason };
    }

    const result = await settings.compute.deliver(envelope, message);
    switch (result.type) {
      case 'done':
        return { type: 'ack' };
      case 'timeout':
        return redeliver(envelope, result.timeoutSeconds);
      case 'failed':
      case 'no-handler': {
        const failures = envelope.failures + 1;
        const reason = result.type === 'failed' ? result.error : result.reason;
        if (failures >= settings.policy.maxAttempts) {
          settings.logger.error('dead-lettering a queue message after repeated failures', {
            messageId: envelope.messageId,
            queueName: envelope.queueName,
            failures,
            reason,
          });
          return { type: 'dead-letter', reason: `${failures} failed deliveries; last: ${reason}` };
        }
        const backoff = Math.min(
          settings.policy.backoffBaseSeconds * 2 ** (failures - 1),
          settings.policy.backoffMaxSeconds,
        );
        return redeliver({ ...envelope, failures }, backoff);
      }
    }
  }

  function redeliver(envelope: QueueEnvelope, seconds: number): DeliveryOutcome {
    const next: QueueEnvelope = {
      ...envelope,
      attempt: envelope.attempt + 1,
      notBefore: now() + Math.round(seconds * 1000),
    };
    return { type: 'redeliver', envelope: next, delaySeconds: clampDelay(seconds) };
  }
}
