import { exponentialBackoff } from '@worldkit/provider';
import type { DeliveryPolicy } from '../config/world-config.js';
import type { ComputeInstance } from '../contracts/compute.js';
import {
  type DeliveryOutcome,
  type QueueEnvelope,
  type QueueReceiver,
  queueEnvelopeSchema,
} from '../contracts/queue.js';
import type { Logger } from '../logging/logger.js';
import { createOutageReport } from '../logging/outage-report.js';
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
  // A handler fails only when the World or the runtime does: the runtime records the user's
  // own step and workflow errors as events and returns normally. So the first failed delivery
  // is what an operator alerts on (storage down, a runtime bug), once per outage; the retries
  // that follow are debug lines, and the first delivery that goes through again says so.
  const handlerFailures = createOutageReport({
    backend: 'workflow deliveries',
    logger: settings.logger,
    now,
    wording: {
      failing: 'are failing (the handler threw: storage or runtime trouble)',
      recovered: 'succeed again',
    },
  });
  const missingCode = new MissingCodeLog(settings.logger);
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

    const startedAt = now();
    const result = await settings.compute.deliver(envelope, message);
    if (result.type === 'done' || result.type === 'timeout') handlerFailures.succeeded(startedAt);
    if (result.type === 'failed') handlerFailures.failed(envelope.queueName, result.error);
    if (result.type === 'no-handler') missingCode.failed(envelope.deploymentId, result.reason);
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
        const backoff = exponentialBackoff(failures, {
          base: settings.policy.backoffBaseSeconds,
          max: settings.policy.backoffMaxSeconds,
        });
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

/** Versions remembered as having no code; message version ids are not trusted to be few. */
const MAX_VERSIONS_WARNED = 1_000;

/**
 * One warning per version whose messages reach a process without its code (a version never
 * deployed, or deleted while messages remained): the reason names the version and what is
 * loaded. Retries of the same version are debug lines until its messages are dead-lettered.
 */
class MissingCodeLog {
  readonly #warned = new Set<string>();
  constructor(private readonly logger: Logger) {}

  failed(version: string, reason: string): void {
    if (this.#warned.has(version)) {
      this.logger.debug('no code for a message version (still)', { version, reason });
      return;
    }
    if (this.#warned.size >= MAX_VERSIONS_WARNED) this.#warned.clear();
    this.#warned.add(version);
    this.logger.warn('messages arrive for a version whose code is not here; retrying them', {
      version,
      reason,
    });
  }
}
