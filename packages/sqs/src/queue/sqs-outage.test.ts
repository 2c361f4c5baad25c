import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { createOutageReport } from '@worldkit/core';
import { type OutageProxy, startOutageProxy } from '@worldkit/test-servers';
import { recordingLogger, testEnvelope, waitUntil } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { fauxqsClient, fauxqsSettings, useFauxqs } from '../fauxqs.fixture.js';
import { reportedSqsCall, SqsUnreachableError } from './sqs-outage.js';
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

const envelope = (index: number) =>
  testEnvelope({ messageId: `msg_outage_${index}_${Math.random().toString(36).slice(2)}`, index });

const indexOf = (value: unknown) => (value as { index: number }).index;

describe('sqs queue through an endpoint outage', () => {
  it('logs one warning for the outage and one line on recovery, and still delivers every message', async () => {
    const logger = recordingLogger();
    const { lines } = logger;
    const settings = fauxqsSettings(fauxqs.server, {
      endpoint: proxy.endpoint,
      logger,
      pollers: 3,
      waitTimeSeconds: 1,
      // A message whose delete failed in the outage comes back after this.
      visibilityTimeoutSeconds: 3,
      closeTimeoutMs: 1_000,
    });
    const transport = createSqsQueue(settings);
    onTestFinished(() => transport.close!());

    let cutDone = false;
    const delivered = new Map<number, number>();
    await transport.consume(async (received) => {
      const index = indexOf(received);
      delivered.set(index, (delivered.get(index) ?? 0) + 1);
      // Message 0 is being handled when the endpoint goes away: its delete fails.
      if (index === 0) await waitUntil(() => cutDone, { what: 'the cut', intervalMs: 50 });
      return { type: 'ack' };
    });
    await transport.send(envelope(0), { delaySeconds: 0 });
    await waitUntil(() => delivered.has(0), { what: 'message 0 to be received', intervalMs: 50 });
    // Sent before the cut, due during it.
    for (let index = 1; index <= 3; index++) {
      await transport.send(envelope(index), { delaySeconds: 1 });
    }

    await proxy.cut();
    cutDone = true;
    await sleep(3_000);
    await proxy.restore();

    await waitUntil(() => [1, 2, 3].every((index) => delivered.has(index)), {
      what: 'the messages sent before the cut',
      intervalMs: 50,
    });
    await waitUntil(() => lines.some((line) => line.level === 'info'), {
      what: 'the recovery line',
      intervalMs: 50,
    });

    const loud = lines.filter((line) => line.level === 'warn' || line.level === 'error');
    expect(loud.map(({ level, message }) => ({ level, message }))).toEqual([
      {
        level: 'warn',
        message: `SQS queue "${settings.queueName}" is unreachable; retrying until it is back (further failures are logged at debug level)`,
      },
    ]);
    const info = lines.filter((line) => line.level === 'info');
    expect(info).toHaveLength(1);
    expect(info[0]?.message).toBe(`SQS queue "${settings.queueName}" is reachable again`);
    // Many calls failed (receives of every poller, the delete of message 0, ...), one line said so.
    expect(info[0]?.details?.failedOperations).toBeGreaterThan(3);
    const operations = new Set(
      lines.filter((line) => line.level !== 'info').map((line) => line.details?.operation),
    );
    expect(operations).toContain('receive');
    expect(operations).toContain('delete');
    // Message 0's delete failed, so SQS hands it out again once its visibility runs out.
    await waitUntil(() => (delivered.get(0) ?? 0) >= 2, {
      what: 'message 0 to come back',
      intervalMs: 50,
    });
    expect([...delivered.keys()].sort()).toEqual([0, 1, 2, 3]);
  }, 40_000);

  it('a request SQS refuses is a problem of one message, not an outage', async () => {
    const logger = recordingLogger();
    const { lines } = logger;
    const outage = createOutageReport({ backend: 'SQS queue "refusals"', logger });
    const client = fauxqsClient(fauxqs.server);
    onTestFinished(() => client.destroy());
    const { queueUrl } = await createSqsQueue(fauxqsSettings(fauxqs.server)).setup();

    // A queue that does not exist: SQS answers 400 QueueDoesNotExist.
    const refused = reportedSqsCall(outage, 'delete', () =>
      client.send(
        new DeleteMessageCommand({ QueueUrl: `${queueUrl}-missing`, ReceiptHandle: 'x' }),
      ),
    );
    await expect(refused).rejects.toThrow();
    await expect(refused).rejects.not.toBeInstanceOf(SqsUnreachableError);
    expect(outage.failing).toBe(false);

    const cutClient = fauxqsClient({ ...fauxqs.server, endpoint: 'http://127.0.0.1:1' });
    onTestFinished(() => cutClient.destroy());
    await expect(
      reportedSqsCall(outage, 'delete', () =>
        cutClient.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'x' })),
      ),
    ).rejects.toBeInstanceOf(SqsUnreachableError);
    expect(outage.failing).toBe(true);
    expect(lines.map((line) => line.level)).toEqual(['warn']);
  });
});
