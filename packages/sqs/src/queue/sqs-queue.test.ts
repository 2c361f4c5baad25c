import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { DeliveryOutcome, Logger, QueueEnvelope } from '@worldkit/core';
import { silentLogger, testEnvelope, waitUntil } from '@worldkit/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fauxqsClient, fauxqsSettings, useFauxqs } from '../fauxqs.fixture.js';
import type { SqsQueueSettings } from '../settings.js';
import { REASON_ATTRIBUTE } from './dead-letter-queue.js';
import { setupSqsQueue } from './queue-setup.js';
import { createSqsQueue } from './sqs-queue.js';

const fauxqs = useFauxqs();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const envelope = testEnvelope;

function recordingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

/** A transport on a fresh queue, closed when the test ends. */
function openTransport(overrides: SqsQueueSettings = {}) {
  const settings = fauxqsSettings(fauxqs.server, { logger: silentLogger, ...overrides });
  const transport = createSqsQueue(settings);
  onTestFinished(() => transport.close!());
  return { transport, settings };
}

async function counts(queueUrl: string) {
  const { Attributes = {} } = await fauxqsClient(fauxqs.server).send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

const acking = async (): Promise<DeliveryOutcome> => ({ type: 'ack' });

describe('sqs queue transport', () => {
  it('touches SQS only when first used, then creates the queue and its dead-letter queue', async () => {
    const { transport, settings } = openTransport();
    const client = fauxqsClient(fauxqs.server);
    const lookup = (name: string) =>
      client.send(new GetQueueUrlCommand({ QueueName: name })).then(
        () => 'exists',
        () => 'missing',
      );
    await sleep(50);
    expect(await lookup(settings.queueName!)).toBe('missing');

    const { queueUrl, deadLetterQueueUrl } = await transport.setup();
    expect(await lookup(settings.queueName!)).toBe('exists');
    expect(deadLetterQueueUrl).toMatch(new RegExp(`/${settings.queueName}-dlq$`));
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(JSON.parse(Attributes.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: expect.stringMatching(new RegExp(`:${settings.queueName}-dlq$`)),
      maxReceiveCount: 10,
    });
    expect(Attributes.VisibilityTimeout).toBe('30');
  });

  it('sets up idempotently and converges on changed attributes', async () => {
    const client = fauxqsClient(fauxqs.server);
    const names = {
      queueName: `setup-${process.pid}`,
      deadLetterQueueName: `setup-${process.pid}-dlq`,
    };
    const first = await setupSqsQueue(client, {
      ...names,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    const again = await setupSqsQueue(client, {
      ...names,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 5,
    });
    const changed = await setupSqsQueue(client, {
      ...names,
      visibilityTimeoutSeconds: 45,
      maxReceiveCount: 7,
    });
    expect(again).toEqual(first);
    expect(changed).toEqual(first);
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: first.queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes.VisibilityTimeout).toBe('45');
    expect(JSON.parse(Attributes.RedrivePolicy!).maxReceiveCount).toBe(7);
  });

  it('finds the dead-letter queue of an existing queue through its RedrivePolicy', async () => {
    const client = fauxqsClient(fauxqs.server);
    const { queueUrl, deadLetterQueueUrl } = await setupSqsQueue(client, {
      queueName: `existing-${process.pid}`,
      deadLetterQueueName: `existing-${process.pid}-letters`,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 3,
    });
    const transport = createSqsQueue({
      queueUrl,
      endpoint: fauxqs.server.endpoint,
      region: fauxqs.server.region,
      logger: silentLogger,
    });
    onTestFinished(() => transport.close!());
    expect(await transport.setup()).toEqual({ queueUrl, deadLetterQueueUrl });
  });

  it('dead-letters bodies written by other programs (not JSON, wrong shape) and keeps consuming', async () => {
    const { transport } = openTransport({ concurrency: 2 });
    const { queueUrl } = await transport.setup();
    const seen: unknown[] = [];
    await transport.consume(async (raw) => {
      seen.push(raw);
      // What core's delivery policy answers for a wrong shape.
      if ((raw as { format?: unknown }).format !== 1) {
        return { type: 'dead-letter', reason: 'malformed envelope: format expected 1' };
      }
      return { type: 'ack' };
    });
    const producer = fauxqsClient(fauxqs.server);
    for (const body of ['not json at all', '{"hello":"world"}', '{ broken']) {
      await producer.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    const good = envelope();
    await transport.send(good, { delaySeconds: 0 });

    const letters = await waitUntil(() => transport.deadLetters!(), {
      what: 'three dead letters',
      until: (found) => found.length === 3,
    });
    expect(letters.map((letter) => letter.envelope)).toEqual(
      expect.arrayContaining(['not json at all', { hello: 'world' }, '{ broken']),
    );
    expect(letters.map((letter) => letter.reason).sort()).toEqual([
      'malformed envelope: format expected 1',
      'malformed envelope: message body is not JSON',
      'malformed envelope: message body is not JSON',
    ]);
    // Bodies that are not JSON never reach the receiver; the good message still does (it may
    // arrive after the three dead letters: two consumers run at once).
    await waitUntil(() => seen.length, {
      what: 'the JSON body of the wrong shape and the good message at the receiver',
      until: (length) => length >= 2,
    });
    expect(seen).toEqual(expect.arrayContaining([{ hello: 'world' }, good]));
    expect(seen).toHaveLength(2);
    await waitUntil(() => counts(queueUrl), {
      what: 'an empty main queue',
      until: (c) => c.visible + c.inFlight === 0,
    });

    // Listing is a peek: the dead letters are still there, with their reason attribute.
    const dlq = (await transport.setup()).deadLetterQueueUrl;
    const { Messages = [] } = await producer.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(Messages).toHaveLength(3);
    expect(Messages.every((message) => message.MessageAttributes?.[REASON_ATTRIBUTE])).toBe(true);
  });

  it('stores a redelivery as a new delayed message, then deletes the delivered one', async () => {
    const { transport } = openTransport();
    const { queueUrl } = await transport.setup();
    const seen: QueueEnvelope[] = [];
    await transport.consume(async (raw) => {
      const delivered = raw as QueueEnvelope;
      seen.push(delivered);
      return { type: 'redeliver', envelope: { ...delivered, attempt: 2 }, delaySeconds: 600.2 };
    });
    await transport.send(envelope(), { delaySeconds: 0 });

    await waitUntil(() => seen.length, {
      what: 'the first delivery',
      until: (length) => length === 1,
    });
    expect(
      await waitUntil(() => counts(queueUrl), {
        what: 'the swap',
        until: (c) => c.delayed === 1 && c.inFlight === 0,
      }),
    ).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
  });

  it('hands a message back with a backoff when the receiver throws, and SQS dead-letters it after maxReceiveCount', async () => {
    const { logger, lines } = recordingLogger();
    const { transport } = openTransport({ maxReceiveCount: 1, logger });
    let calls = 0;
    await transport.consume(async () => {
      calls++;
      throw new Error('compute backend unreachable');
    });
    await transport.send(envelope(), { delaySeconds: 0 });

    const letters = await waitUntil(() => transport.deadLetters!(), {
      what: 'SQS to move the message',
      until: (found) => found.length === 1,
    });
    expect(calls).toBe(1);
    expect(letters[0].reason).toMatch(/^moved by SQS after \d+ receives/);
    expect(lines).toContainEqual({
      level: 'error',
      message: 'an SQS delivery failed; SQS hands the message out again',
    });
  });

  it('keeps a long handler’s message hidden by extending its visibility', async () => {
    const { transport } = openTransport({ visibilityTimeoutSeconds: 3 });
    const { queueUrl } = await transport.setup();
    let calls = 0;
    await transport.consume(async () => {
      calls++;
      await sleep(4_500);
      return { type: 'ack' };
    });
    await transport.send(envelope(), { delaySeconds: 0 });
    await waitUntil(() => calls, {
      what: 'the delivery',
      until: (count) => count === 1,
    });
    // Without the heartbeat the message would reappear after 3 s and be delivered again.
    await sleep(3_600);
    expect(await counts(queueUrl)).toMatchObject({ visible: 0, inFlight: 1 });
    await waitUntil(() => counts(queueUrl), {
      what: 'the ack',
      until: (c) => c.inFlight === 0,
    });
    expect(calls).toBe(1);
  });

  it('never runs more than `concurrency` deliveries across several pollers', async () => {
    const { transport } = openTransport({ concurrency: 5, pollers: 3 });
    let running = 0;
    let most = 0;
    let done = 0;
    await transport.consume(async () => {
      running++;
      most = Math.max(most, running);
      await sleep(100);
      running--;
      done++;
      return { type: 'ack' };
    });
    await Promise.all(
      Array.from({ length: 25 }, () => transport.send(envelope(), { delaySeconds: 0 })),
    );
    await waitUntil(() => done, {
      what: 'every delivery',
      until: (count) => count === 25,
    });
    expect(most).toBe(5);
  });

  describe('close()', () => {
    it('returns within closeTimeoutMs when a handler hangs, leaving its message in SQS', async () => {
      const { logger, lines } = recordingLogger();
      const { transport } = openTransport({ closeTimeoutMs: 200, logger });
      const { queueUrl } = await transport.setup();
      let started = false;
      await transport.consume(async () => {
        started = true;
        await sleep(2_000);
        return { type: 'ack' };
      });
      await transport.send(envelope(), { delaySeconds: 0 });
      await waitUntil(() => started, { what: 'the delivery to start' });

      const closingAt = Date.now();
      await transport.close!();
      expect(Date.now() - closingAt).toBeLessThan(1_000);
      expect(lines.map((line) => line.message)).toContainEqual(
        expect.stringMatching(/deliveries still running/),
      );
      expect(await counts(queueUrl)).toMatchObject({ inFlight: 1 });
      await expect(transport.send(envelope(), { delaySeconds: 0 })).rejects.toThrow(/closed/);
    });

    it('does not abort its long poll: what the poll receives after close is handed back at once', async () => {
      const { transport, settings } = openTransport({ waitTimeSeconds: 20 });
      const { queueUrl } = await transport.setup();
      const seen: unknown[] = [];
      await transport.consume(async (raw) => {
        seen.push(raw);
        return { type: 'ack' };
      });
      await sleep(200); // the poll is now waiting inside SQS
      await transport.close!();

      const producer = createSqsQueue({ ...settings, logger: silentLogger });
      onTestFinished(() => producer.close!());
      const late = envelope();
      await producer.send(late, { delaySeconds: 0 });
      // The closed transport's poll gets it and makes it visible again, well before the
      // 30 s visibility timeout an aborted poll would have cost.
      const next = createSqsQueue({ ...settings, logger: silentLogger });
      onTestFinished(() => next.close!());
      const received: unknown[] = [];
      await next.consume(async (raw) => {
        received.push(raw);
        return acking();
      });
      await waitUntil(() => received.length, {
        what: 'the handed-back message',
        until: (count) => count === 1,
      });
      expect(received).toEqual([late]);
      expect(seen).toEqual([]);
      expect(await counts(queueUrl)).toMatchObject({ visible: 0 });
    });
  });

  describe('idempotency keys (this process only)', () => {
    it('drops a second send with a key this process accepted, and accepts it again after a dead letter', async () => {
      const { transport } = openTransport();
      await transport.consume(async () => ({ type: 'dead-letter', reason: 'hopeless' }));
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_1' }), { delaySeconds: 0 }),
      ).toEqual({
        accepted: true,
      });
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_1' }), { delaySeconds: 0 }),
      ).toEqual({
        accepted: false,
      });
      await waitUntil(() => transport.deadLetters!(), {
        what: 'the dead letter',
        until: (found) => found.length === 1,
      });
      expect(
        await transport.send(envelope({ idempotencyKey: 'step_1' }), { delaySeconds: 0 }),
      ).toEqual({
        accepted: true,
      });
    });

    it('lets the same key through from another process (a second transport): SQS does not deduplicate', async () => {
      const { transport, settings } = openTransport();
      const other = createSqsQueue({ ...settings, logger: silentLogger });
      onTestFinished(() => other.close!());
      const key = { idempotencyKey: 'step_shared' };
      expect(await transport.send(envelope(key), { delaySeconds: 0 })).toEqual({ accepted: true });
      expect(await other.send(envelope(key), { delaySeconds: 0 })).toEqual({ accepted: true });
      const { queueUrl } = await transport.setup();
      expect(await counts(queueUrl)).toMatchObject({ visible: 2 });
    });
  });
});
