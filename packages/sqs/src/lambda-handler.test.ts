import {
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createWorld, type QueueEnvelope } from '@worldkit/core';
import { localQueue, localStorage, localStreamer } from '@worldkit/local';
import { openQueueHarness, silentLogger } from '@worldkit/testing';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fauxqsClient, fauxqsSettings, useFauxqs } from './fauxqs.fixture.js';
import { createSqsLambdaHandler } from './lambda-handler.js';
import { sqsQueue } from './providers.js';
import type { SqsQueueTransport } from './queue/sqs-queue.js';

const fauxqs = useFauxqs();

/** Receives what is in the queue now, as the Lambda event source would before invoking. */
async function receiveAll(
  client: SQSClient,
  queueUrl: string,
  expected: number,
): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + 5_000;
  while (messages.length < expected && Date.now() < deadline) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  return messages;
}

/** An SQS event built from real received messages, shaped as Lambda delivers it. */
function sqsEvent(messages: Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map(
      (message): SQSRecord => ({
        messageId: message.MessageId!,
        receiptHandle: message.ReceiptHandle!,
        body: message.Body!,
        attributes: {
          ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: message.Attributes?.SenderId ?? 'test',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: message.MD5OfBody!,
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: fauxqs.server.region,
      }),
    ),
  };
}

/** A World whose queue is SQS with the event source delivering (no polling). */
function openLambdaWorld() {
  const settings = fauxqsSettings(fauxqs.server, { poll: false });
  const harness = openQueueHarness(sqsQueue(settings));
  onTestFinished(() => harness.close());
  const transport = harness.transport as SqsQueueTransport;
  const arn = `arn:aws:sqs:${fauxqs.server.region}:000000000000:${settings.queueName}`;
  return { harness, transport, arn, client: fauxqsClient(fauxqs.server) };
}

describe('createSqsLambdaHandler', () => {
  it('handles a batch: acks, redelivers as new messages, dead-letters garbage, reports no failures', async () => {
    const { harness, transport, arn, client } = openLambdaWorld();
    const deliveries = harness.handle('workflow', async (message) =>
      (message as { sleepy?: boolean }).sleepy ? { timeoutSeconds: 1 } : undefined,
    );
    const handler = createSqsLambdaHandler(harness.world);
    const { queueUrl } = await transport.setup();

    const doneId = await harness.enqueue('workflow', { runId: 'wrun_done' });
    const sleepyId = await harness.enqueue('workflow', { runId: 'wrun_sleepy', sleepy: true });
    await transport.send({ not: 'an envelope' } as unknown as QueueEnvelope, { delaySeconds: 0 });
    const received = await receiveAll(client, queueUrl, 3);
    expect(received).toHaveLength(3);

    const response = await handler(sqsEvent(received, arn));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deliveries.map((delivery) => [delivery.messageId, delivery.attempt])).toEqual(
      expect.arrayContaining([
        [doneId, 1],
        [sleepyId, 1],
      ]),
    );
    const letters = await transport.deadLetters!();
    expect(letters).toMatchObject([{ envelope: { not: 'an envelope' } }]);
    expect(letters[0].reason).toMatch(/^malformed envelope/);

    // The sleep became a new delayed message carrying the next attempt.
    const [next] = await receiveAll(client, queueUrl, 1);
    const redelivered = JSON.parse(next.Body!) as QueueEnvelope;
    expect(redelivered).toMatchObject({ messageId: sleepyId, attempt: 2 });
    expect(await handler(sqsEvent([next], arn))).toEqual({ batchItemFailures: [] });
    expect(deliveries.filter((delivery) => delivery.messageId === sleepyId)).toHaveLength(2);
  });

  it('reports a record as failed when the redelivery cannot be stored', async () => {
    const { harness, transport, arn, client } = openLambdaWorld();
    harness.handle('workflow', async () => ({ timeoutSeconds: 5 }));
    harness.handle('step');
    const handler = createSqsLambdaHandler(harness.world);
    const { queueUrl } = await transport.setup();
    await harness.enqueue('workflow', { runId: 'wrun_sleepy' });
    const handledId = await harness.enqueue('step', { stepId: 'step_1' });
    const received = await receiveAll(client, queueUrl, 2);

    // With the queue gone, storing the next delivery fails: Lambda must hand the record out again.
    await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    const response = await handler(sqsEvent(received, arn));
    const sleepy = received.find((message) => JSON.parse(message.Body!).messageId !== handledId)!;
    // The handled record needs no SQS call: Lambda may delete it.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sleepy.MessageId }] });
  });

  it('refuses a World whose SQS queue polls, and a World without an SQS queue', () => {
    const polling = createWorld({
      storage: localStorage({ memory: true }),
      queue: sqsQueue(fauxqsSettings(fauxqs.server, { poll: true })),
      streamer: localStreamer({ memory: true }),
      logger: silentLogger,
    });
    expect(() => createSqsLambdaHandler(polling)).toThrow(/poll: false/);
    const local = createWorld({
      storage: localStorage({ memory: true }),
      queue: localQueue({ memory: true }),
      streamer: localStreamer({ memory: true }),
      logger: silentLogger,
    });
    expect(() => createSqsLambdaHandler(local)).toThrow(/needs a World whose queue is sqsQueue/);
  });
});
