import {
  type MessageId,
  type Queue,
  type QueueOptions,
  QueuePrefix,
  ValidQueueName,
} from '@workflow/world';
import { ulid } from 'ulid';
import { currentDeliveryScope, currentRecoveryWakeUp } from '../compute/delivery-scope.js';
import { currentDeploymentScope } from '../compute/registration-scope.js';
import type { ComputeInstance, RuntimeQueueHandler } from '../contracts/compute.js';
import type { QueueEnvelope, QueueTransport } from '../contracts/queue.js';
import { encodeMessage } from './message-codec.js';

export interface CompositeQueueSettings {
  transport: QueueTransport;
  compute: ComputeInstance;
  deploymentId: string;
  maxDelaySeconds: number | null;
  now?: () => number;
}

/**
 * The World's `queue` and `createQueueHandler`, built from a transport and a compute slot.
 * Both are closures (no `this`): the runtime stores `createQueueHandler` unbound.
 */
export function createCompositeQueue(
  settings: CompositeQueueSettings,
): Pick<Queue, 'queue' | 'createQueueHandler'> {
  const now = settings.now ?? Date.now;

  const queue: Queue['queue'] = async (queueName, payload, options?: QueueOptions) => {
    ValidQueueName.parse(queueName);
    const delaySeconds = Math.max(0, options?.delaySeconds ?? 0);
    const createdAt = now();
    // Inside a recovery wake-up the messages being replaced were lost (a purged queue): the
    // re-send gets a key of its own, so a transport that remembers the lost message's key
    // (SQS's in-process window) does not drop it. Concurrent deliveries of the same wake-up
    // still share the key.
    const wakeUp = currentRecoveryWakeUp();
    const idempotencyKey =
      options?.idempotencyKey !== undefined && wakeUp !== undefined
        ? `${options.idempotencyKey}|${wakeUp}`
        : options?.idempotencyKey;
    const envelope: QueueEnvelope = {
      format: 1,
      messageId: `msg_${ulid()}`,
      queueName,
      deploymentId: options?.deploymentId ?? currentDeliveryScope() ?? settings.deploymentId,
      body: encodeMessage(payload),
      specVersion: options?.specVersion,
      idempotencyKey,
      headers: options?.headers,
      attempt: 1,
      failures: 0,
      notBefore: createdAt + delaySeconds * 1000,
      createdAt,
    };
    const firstDelay =
      settings.maxDelaySeconds === null
        ? delaySeconds
        : Math.min(delaySeconds, settings.maxDelaySeconds);
    const { accepted } = await settings.transport.send(envelope, { delaySeconds: firstDelay });
    return { messageId: accepted ? (envelope.messageId as MessageId) : null };
  };

  const createQueueHandler: Queue['createQueueHandler'] = (prefix, handler) => {
    QueuePrefix.parse(prefix);
    const runtimeHandler = handler as RuntimeQueueHandler;
    settings.compute.register(
      currentDeploymentScope() ?? settings.deploymentId,
      prefix,
      runtimeHandler,
    );
    return async (request: Request) => {
      if (settings.compute.handleRequest) {
        return settings.compute.handleRequest(prefix, runtimeHandler, request);
      }
      // In-process compute never receives deliveries over HTTP; refusing keeps the
      // endpoint from being an unauthenticated way to drive workflow code.
      return Response.json(
        {
          error:
            'This World delivers queue messages in-process; configure an HTTP compute provider to accept deliveries over HTTP.',
        },
        { status: 404 },
      );
    };
  };

  return { queue, createQueueHandler };
}
