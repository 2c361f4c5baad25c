import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { decodeBody } from './message-body.js';

export const REASON_ATTRIBUTE = 'worldkit-reason';
export const DEAD_LETTERED_AT_ATTRIBUTE = 'worldkit-dead-lettered-at';
export const SOURCE_MESSAGE_ID_ATTRIBUTE = 'worldkit-source-message-id';
/** Most dead letters one `deadLetters()` call reads. */
export const DEAD_LETTER_PEEK_LIMIT = 1_000;
/** How long peeked dead letters stay hidden before being made visible again at once. */
const PEEK_VISIBILITY_SECONDS = 30;
const MAX_REASON_LENGTH = 4_096;

export interface DeadLetter {
  envelope: unknown;
  reason: string;
  at: number;
}

/**
 * Stores a hopeless message in the dead-letter queue with its body unchanged — so SQS's own
 * redrive ("start DLQ redrive" in the console) can move it back once the cause is fixed — and
 * the reason and time as message attributes.
 */
export async function sendDeadLetter(
  client: SQSClient,
  deadLetterQueueUrl: string,
  letter: { body: string; reason: string; sourceMessageId?: string },
): Promise<void> {
  const attributes: Record<string, { DataType: string; StringValue: string }> = {
    [REASON_ATTRIBUTE]: {
      DataType: 'String',
      StringValue: letter.reason.slice(0, MAX_REASON_LENGTH) || 'dead-lettered',
    },
    [DEAD_LETTERED_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Date.now()) },
  };
  if (letter.sourceMessageId) {
    attributes[SOURCE_MESSAGE_ID_ATTRIBUTE] = {
      DataType: 'String',
      StringValue: letter.sourceMessageId,
    };
  }
  await client.send(
    new SendMessageCommand({
      QueueUrl: deadLetterQueueUrl,
      // SQS refuses empty bodies; an empty one was malformed to begin with.
      MessageBody: letter.body === '' ? '""' : letter.body,
      MessageAttributes: attributes,
    }),
  );
}

/**
 * Reads the dead-letter queue without consuming it: messages are received (hidden briefly),
 * then made visible again at once. Best effort by nature: SQS standard queues sample their
 * servers on each receive, so a very large queue may be listed only in part, and two peeks at
 * the same moment hide messages from each other.
 */
export async function peekDeadLetters(
  client: SQSClient,
  deadLetterQueueUrl: string,
): Promise<DeadLetter[]> {
  const seen = new Map<string, Message>();
  try {
    while (seen.size < DEAD_LETTER_PEEK_LIMIT) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      const fresh = Messages.filter((message) => message.MessageId && !seen.has(message.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.set(message.MessageId!, message);
    }
  } finally {
    await makeVisible(client, deadLetterQueueUrl, [...seen.values()]);
  }
  return [...seen.values()].map(toDeadLetter).sort((a, b) => a.at - b.at);
}

function toDeadLetter(message: Message): DeadLetter {
  const decoded = decodeBody(message.Body);
  const reason = message.MessageAttributes?.[REASON_ATTRIBUTE]?.StringValue;
  const at = Number(
    message.MessageAttributes?.[DEAD_LETTERED_AT_ATTRIBUTE]?.StringValue ??
      message.Attributes?.SentTimestamp,
  );
  return {
    envelope: decoded.ok ? decoded.value : message.Body,
    // Without our attribute, SQS moved it itself after too many receives (RedrivePolicy).
    reason:
      reason ??
      `moved by SQS after ${message.Attributes?.ApproximateReceiveCount ?? 'too many'} receives (RedrivePolicy maxReceiveCount)`,
    at: Number.isFinite(at) ? at : 0,
  };
}

async function makeVisible(client: SQSClient, queueUrl: string, messages: Message[]) {
  for (let index = 0; index < messages.length; index += 10) {
    const batch = messages.slice(index, index + 10);
    await client
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((message, position) => ({
            Id: String(position),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          })),
        }),
      )
      // They reappear on their own after PEEK_VISIBILITY_SECONDS anyway.
      .catch(() => undefined);
  }
}
