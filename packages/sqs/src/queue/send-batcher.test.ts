import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  countingFauxqsClient,
  fauxqsClient,
  uniqueQueueName,
  useFauxqs,
} from '../fauxqs.fixture.js';
import { SendBatcher } from './send-batcher.js';

const fauxqs = useFauxqs();

/** A fresh queue and a batcher on it whose client counts requests by command. */
async function batcherOnNewQueue() {
  const { client, requests } = countingFauxqsClient(fauxqs.server);
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: uniqueQueueName() }));
  const queueUrl = QueueUrl as string;
  // Counting starts after the queue exists: only the batcher's requests are asserted.
  requests.clear();
  const sends = new SendBatcher(
    () => client,
    async () => queueUrl,
  );
  return { client, queueUrl, requests, sends };
}

async function receiveAll(queueUrl: string, count: number): Promise<string[]> {
  const client = fauxqsClient(fauxqs.server);
  const bodies: string[] = [];
  const deadline = Date.now() + 30_000;
  while (bodies.length < count && Date.now() < deadline) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    bodies.push(...Messages.map((message) => message.Body as string));
  }
  return bodies;
}

describe('sends of one queue', () => {
  it('asked for in one turn share SendMessageBatch requests of up to ten; every body arrives', async () => {
    const { queueUrl, requests, sends } = await batcherOnNewQueue();
    const bodies = Array.from({ length: 25 }, (_, index) => `step message ${index}`);
    await Promise.all(bodies.map((body) => sends.send(body, 0)));
    expect(Object.fromEntries(requests)).toEqual({ SendMessageBatchCommand: 3 });
    expect((await receiveAll(queueUrl, 25)).sort()).toEqual([...bodies].sort());
  });

  it('a send alone in its turn, and a large body, go as a plain SendMessage', async () => {
    const { queueUrl, requests, sends } = await batcherOnNewQueue();
    await sends.send('alone', 0);
    const large = 'x'.repeat(100 * 1024);
    await Promise.all([sends.send(large, 0), sends.send('small', 0)]);
    expect(Object.fromEntries(requests)).toEqual({ SendMessageCommand: 3 });
    expect(
      (await receiveAll(queueUrl, 3)).map((body) => body.length).sort((a, b) => a - b),
    ).toEqual([5, 5, large.length]);
  });

  it('keeps each entry’s delay', async () => {
    const { client, queueUrl, sends } = await batcherOnNewQueue();
    await Promise.all([sends.send('now', 0), sends.send('later', 60)]);
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(Number(Attributes.ApproximateNumberOfMessagesDelayed)).toBe(1);
    expect(await receiveAll(queueUrl, 1)).toEqual(['now']);
  });

  it('a request SQS refuses as a whole rejects every send in it with the same error', async () => {
    const { client, queueUrl, sends } = await batcherOnNewQueue();
    await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    const outcomes = await Promise.allSettled([sends.send('a', 0), sends.send('b', 0)]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    const reasons = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason);
    expect(new Set(reasons).size, 'one error for the one request').toBe(1);
  });
});
