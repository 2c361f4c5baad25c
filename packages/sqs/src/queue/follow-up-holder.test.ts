import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { DeliveryOutcome, QueueEnvelope } from '@worldkit/core';
import { type OutageProxy, startOutageProxy } from '@worldkit/test-servers';
import { recordingLogger, testEnvelope, waitUntil } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { fauxqsClient, fauxqsSettings, useFauxqs } from '../fauxqs.fixture.js';
import { isStaleReceipt } from './poll-consumer.js';
import { createSqsQueue } from './sqs-queue.js';

const fauxqs = useFauxqs();
let proxy: OutageProxy;
beforeAll(async () => {
  proxy = await startOutageProxy(fauxqs.server.port);
});
afterAll(async () => {
  await proxy?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first delivery asks for a redelivery (the chain's next link); the second is the end. */
const chain = async (raw: unknown): Promise<DeliveryOutcome> => {
  const delivered = raw as QueueEnvelope;
  if (delivered.attempt === 1) {
    return { type: 'redeliver', envelope: { ...delivered, attempt: 2 }, delaySeconds: 0 };
  }
  return { type: 'ack' };
};

describe('sqs follow-ups come from the current holder of a message', () => {
  it('two consumers that both handled one receive of a message store one follow-up', async () => {
    const base = fauxqsSettings(fauxqs.server, {
      visibilityTimeoutSeconds: 3,
      waitTimeSeconds: 1,
      pollers: 1,
      closeTimeoutMs: 1_000,
    });
    // Two independent consumers (own SQS clients, own duplicate guards) as two processes are;
    // consumer A reaches SQS through a proxy the test cuts, so A's visibility extensions fail
    // and the message it is handling is received again by B.
    const linesA = recordingLogger();
    const a = createSqsQueue({ ...base, endpoint: proxy.endpoint, logger: linesA });
    const b = createSqsQueue({ ...base, logger: recordingLogger() });
    onTestFinished(async () => {
      await proxy.restore().catch(() => undefined);
      await Promise.all([a.close!(), b.close!()]);
    });
    const { queueUrl } = await b.setup();

    const deliveries: Array<{ by: 'A' | 'B'; attempt: number }> = [];
    const deliveredBy = (by: 'A' | 'B', attempt: number) =>
      deliveries.some((entry) => entry.by === by && entry.attempt === attempt);
    let bStarted = false;
    let aReturned = false;
    await a.consume(async (raw) => {
      const { attempt } = raw as QueueEnvelope;
      deliveries.push({ by: 'A', attempt });
      if (attempt === 1 && !bStarted) {
        // A's handler outlives the visibility timeout while A cannot reach SQS.
        await proxy.cut();
        bStarted = true;
        await b.consume(async (received) => {
          deliveries.push({ by: 'B', attempt: (received as QueueEnvelope).attempt });
          return chain(received);
        });
        await waitUntil(() => deliveredBy('B', 1), {
          what: 'B to receive the message again',
          intervalMs: 50,
        });
        await proxy.restore();
        aReturned = true;
      }
      return chain(raw);
    });
    await a.send(testEnvelope(), { delaySeconds: 0 });
    await waitUntil(() => aReturned, { what: "A's handler to return", intervalMs: 50 });
    // Closing waits for A's delivery to finish: whatever A stores, it has stored by then.
    await a.close!();

    // B keeps polling until the queue is empty: every follow-up stored has been handled.
    const client = fauxqsClient(fauxqs.server);
    onTestFinished(() => client.destroy());
    await waitUntil(
      async () => {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
        );
        return (
          Attributes.ApproximateNumberOfMessages === '0' &&
          Attributes.ApproximateNumberOfMessagesNotVisible === '0' &&
          Attributes.ApproximateNumberOfMessagesDelayed === '0'
        );
      },
      { what: 'the queue to drain', intervalMs: 50 },
    );

    expect(deliveries.filter((entry) => entry.attempt === 1)).toEqual([
      { by: 'A', attempt: 1 },
      { by: 'B', attempt: 1 },
    ]);
    // One chain: exactly one follow-up (attempt 2) was stored, whoever received it.
    expect(deliveries.filter((entry) => entry.attempt === 2)).toHaveLength(1);
    expect(
      linesA.lines.filter((line) => line.message.startsWith('an SQS message was received again')),
    ).toHaveLength(1);
    // A's refused extensions after the cut are expected, not warnings; only the outage warns.
    const loud = linesA.lines.filter((line) => line.level === 'warn' || line.level === 'error');
    expect(loud.map((line) => line.message)).toEqual([
      expect.stringMatching(/is unreachable; retrying until it is back/),
    ]);
  }, 180_000);

  it('counts a receipt handle as stale once its message was deleted or received again, and nothing else', async () => {
    const client = fauxqsClient(fauxqs.server);
    onTestFinished(() => client.destroy());
    const { queueUrl } = await createSqsQueue(fauxqsSettings(fauxqs.server)).setup();
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => undefined,
        (error: unknown) => error,
      );
    const receive = async (visibilityTimeout: number) => {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          WaitTimeSeconds: 5,
          VisibilityTimeout: visibilityTimeout,
        }),
      );
      expect(Messages).toHaveLength(1);
      return Messages[0]!.ReceiptHandle!;
    };
    const changeVisibility = (handle: string, seconds: number) =>
      refusal(
        client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: handle,
            VisibilityTimeout: seconds,
          }),
        ),
      );
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' }));

    // Received, made visible again, received anew: the first handle is superseded.
    const first = await receive(30);
    expect(await changeVisibility(first, 0)).toBeUndefined();
    const second = await receive(30);
    expect(isStaleReceipt(await changeVisibility(first, 30))).toBe(true);
    // The current handle works; a request that is wrong for another reason is not "stale".
    expect(await changeVisibility(second, 30)).toBeUndefined();
    const invalid = await changeVisibility(second, 50_000);
    expect(invalid).toBeInstanceOf(Error);
    expect(isStaleReceipt(invalid)).toBe(false);
    // Deleted: its handle is stale too.
    await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: second }));
    expect(isStaleReceipt(await changeVisibility(second, 30))).toBe(true);
  });

  it('acknowledging many messages with short visibility extensions logs no visibility warning', async () => {
    const logger = recordingLogger();
    const transport = createSqsQueue(
      fauxqsSettings(fauxqs.server, {
        // Extensions every second race the deletes of handlers that take about that long.
        visibilityTimeoutSeconds: 3,
        waitTimeSeconds: 1,
        logger,
        closeTimeoutMs: 1_000,
      }),
    );
    onTestFinished(() => transport.close!());
    let acked = 0;
    await transport.consume(async () => {
      await sleep(900 + Math.random() * 200);
      acked++;
      return { type: 'ack' };
    });
    const count = 20;
    for (let index = 0; index < count; index++) {
      await transport.send(testEnvelope(), { delaySeconds: 0 });
    }
    await waitUntil(() => acked >= count, { what: 'every message to be handled', intervalMs: 50 });
    expect(acked).toBeLessThan(count * 2);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  }, 180_000);
});
