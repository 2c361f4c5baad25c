import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  countingFauxqsClient,
  fauxqsClient,
  uniqueQueueName,
  useFauxqs,
} from '../fauxqs.fixture.js';
import { DeleteBatcher } from './delete-batcher.js';

const fauxqs = useFauxqs();

/** A fresh queue holding `count` messages, all received (in flight): their receipt handles. */
async function receivedMessages(count: number) {
  const client = fauxqsClient(fauxqs.server);
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: uniqueQueueName() }));
  const queueUrl = QueueUrl as string;
  for (let next = 0; next < count; next += 10) {
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: Math.min(10, count - next) }, (_, index) => ({
          Id: String(index),
          MessageBody: `message ${next + index}`,
        })),
      }),
    );
  }
  const handles: string[] = [];
  while (handles.length < count) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    handles.push(...Messages.map((message) => message.ReceiptHandle as string));
  }
  return { queueUrl, handles };
}

async function messagesLeft(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await fauxqsClient(fauxqs.server).send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('deletes of settled messages', () => {
  it('asked for in one turn are sent as DeleteMessageBatch requests of up to ten', async () => {
    const { queueUrl, handles } = await receivedMessages(12);
    const { client, requests } = countingFauxqsClient(fauxqs.server);
    const deletes = new DeleteBatcher(() => client, queueUrl);
    await Promise.all(handles.map((handle) => deletes.delete(handle)));
    expect(Object.fromEntries(requests)).toEqual({ DeleteMessageBatchCommand: 2 });
    expect(await messagesLeft(queueUrl)).toBe(0);
  });

  // fauxqs accepts any receipt handle, so an entry SQS refuses on its own (a stale handle on
  // AWS) cannot be produced here; a request refused as a whole can.
  it('a request SQS refuses as a whole rejects every delete in it with the same error', async () => {
    const { queueUrl, handles } = await receivedMessages(3);
    const client = fauxqsClient(fauxqs.server);
    await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    const deletes = new DeleteBatcher(() => client, queueUrl);
    const outcomes = await Promise.allSettled(handles.map((handle) => deletes.delete(handle)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const reasons = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason);
    expect(new Set(reasons).size, 'one error for the one request').toBe(1);
    expect(String(reasons[0]?.name)).toMatch(/QueueDoesNotExist|NonExistentQueue/);
  });
});
