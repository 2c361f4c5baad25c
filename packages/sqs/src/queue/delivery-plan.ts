import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryOutcome, QueueEnvelope, QueueReceiver } from '@worldkit/core';
import { sendDeadLetter } from './dead-letter-queue.js';
import { decodeBody, encodeBody } from './message-body.js';
import type { SqsQueueAddresses } from './queue-setup.js';

/** SQS's longest per-message delay; the composer chains longer ones. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** SQS delays are whole seconds: round up, so a message is never handled early. */
export function sqsDelaySeconds(seconds: number): number {
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));
}

/** What to do with one received SQS message, whichever way it was received. */
export type DeliveryPlan =
  | { type: 'ack'; envelope: unknown }
  | { type: 'redeliver'; envelope: QueueEnvelope; delaySeconds: number }
  | { type: 'dead-letter'; envelope: unknown; reason: string };

/**
 * Runs a received body through the composer's receiver. Bodies that are not JSON never reach
 * it (they are dead-lettered here); a receiver that throws propagates, and the caller leaves
 * the message for SQS to hand out again.
 */
export async function planDelivery(
  receiver: QueueReceiver,
  body: string | undefined,
): Promise<DeliveryPlan> {
  const decoded = decodeBody(body);
  if (!decoded.ok) return { type: 'dead-letter', envelope: body, reason: decoded.reason };
  const outcome: DeliveryOutcome = await receiver(decoded.value);
  switch (outcome?.type) {
    case 'ack':
      return { type: 'ack', envelope: decoded.value };
    case 'redeliver':
      return {
        type: 'redeliver',
        envelope: outcome.envelope,
        delaySeconds: outcome.delaySeconds,
      };
    case 'dead-letter':
      return { type: 'dead-letter', envelope: decoded.value, reason: String(outcome.reason) };
    default:
      throw new Error(`receiver returned no delivery outcome (${JSON.stringify(outcome)})`);
  }
}

/** Whether the plan leaves something to store in SQS before the message may be deleted. */
export function hasFollowUp(plan: DeliveryPlan): boolean {
  return plan.type !== 'ack';
}

/**
 * Stores what must outlive the received message: the redelivery as a new (delayed) message,
 * or the dead letter. Only after this succeeds may the received message be deleted, so a
 * crash in between duplicates a delivery instead of losing it.
 */
export async function storeFollowUp(
  client: SQSClient,
  addresses: SqsQueueAddresses,
  plan: DeliveryPlan,
  received: { body: string | undefined; messageId: string | undefined },
): Promise<void> {
  if (plan.type === 'redeliver') {
    await client.send(
      new SendMessageCommand({
        QueueUrl: addresses.queueUrl,
        MessageBody: encodeBody(plan.envelope),
        DelaySeconds: sqsDelaySeconds(plan.delaySeconds),
      }),
    );
  } else if (plan.type === 'dead-letter') {
    await sendDeadLetter(client, addresses.deadLetterQueueUrl, {
      body: received.body ?? '',
      reason: plan.reason,
      sourceMessageId: received.messageId,
    });
  }
}
