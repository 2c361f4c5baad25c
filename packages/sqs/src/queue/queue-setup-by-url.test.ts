import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueReceiver } from '@worldkit/core';
import { silentLogger, testEnvelope } from '@worldkit/testing';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { fauxqsClient, uniqueQueueName, useFauxqs } from '../fauxqs.fixture.js';
import { sqsQueue } from '../providers.js';
import { ENDPOINT_ENV, QUEUE_URL_ENV, REGION_ENV, SETUP_ENV } from '../settings.js';
import { createSqsQueue } from './sqs-queue.js';

const fauxqs = useFauxqs();

afterEach(() => {
  vi.unstubAllEnvs();
});

function client(): SQSClient {
  const sqs = fauxqsClient(fauxqs.server);
  onTestFinished(() => sqs.destroy());
  return sqs;
}

/** The URL fauxqs gives a queue called `name` (whether or not it exists yet). */
async function urlFor(sqs: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueQueueName('p') }));
  return QueueUrl!.replace(/[^/]+$/, name);
}

async function attributes(sqs: SQSClient, queueUrl: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return Attributes;
}

const where = () => ({ endpoint: fauxqs.server.endpoint, region: fauxqs.server.region });

describe('setup with a queue URL', () => {
  it('creates the queue the URL names and its dead-letter queue, and is idempotent', async () => {
    const sqs = client();
    const name = uniqueQueueName('by-url');
    const queueUrl = await urlFor(sqs, name);
    const transport = createSqsQueue({ queueUrl, setup: true, logger: silentLogger, ...where() });
    onTestFinished(() => transport.close!());

    const addresses = await transport.setup();
    expect(addresses).toEqual({
      queueUrl,
      deadLetterQueueUrl: expect.stringMatching(`/${name}-dlq$`),
    });
    expect(await transport.setup()).toEqual(addresses);
    const main = await attributes(sqs, queueUrl);
    expect(JSON.parse(main.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: expect.stringMatching(`:${name}-dlq$`),
      maxReceiveCount: 10,
    });
    expect(main.VisibilityTimeout).toBe('30');

    // The queue works: a message sent goes round to the receiver.
    const received: unknown[] = [];
    const receiver: QueueReceiver = async (raw) => {
      received.push(raw);
      return { type: 'ack' };
    };
    await transport.consume(receiver);
    const message = testEnvelope();
    await transport.send(message, { delaySeconds: 0 });
    await vi.waitFor(() => expect(received).toEqual([message]), { timeout: 10_000, interval: 25 });
  });

  it('gives an existing queue without a dead-letter queue one, and leaves its attributes alone', async () => {
    const sqs = client();
    const name = uniqueQueueName('managed');
    const { QueueUrl: queueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '77' } }),
    );
    // No `setup` option: an explicit setup() (what `worldkit setup` calls) still prepares it.
    const transport = createSqsQueue({ queueUrl: queueUrl!, logger: silentLogger, ...where() });
    onTestFinished(() => transport.close!());

    const { deadLetterQueueUrl } = await transport.setup();
    expect(deadLetterQueueUrl).toMatch(new RegExp(`/${name}-dlq$`));
    const main = await attributes(sqs, queueUrl!);
    expect(main.VisibilityTimeout).toBe('77');
    expect(JSON.parse(main.RedrivePolicy!).deadLetterTargetArn).toMatch(
      new RegExp(`:${name}-dlq$`),
    );

    // Once it has a dead-letter queue, setup keeps that one.
    const other = createSqsQueue({
      queueUrl: queueUrl!,
      setup: true,
      logger: silentLogger,
      ...where(),
    });
    onTestFinished(() => other.close!());
    expect(await other.setup()).toEqual({ queueUrl, deadLetterQueueUrl });
  });

  it('creates a configured dead-letter queue URL that does not exist yet', async () => {
    const sqs = client();
    const name = uniqueQueueName('explicit');
    const queueUrl = await urlFor(sqs, name);
    const deadLetterQueueUrl = await urlFor(sqs, `${name}-letters`);
    const transport = createSqsQueue({
      queueUrl,
      deadLetterQueueUrl,
      setup: true,
      logger: silentLogger,
      ...where(),
    });
    onTestFinished(() => transport.close!());
    expect(await transport.setup()).toEqual({ queueUrl, deadLetterQueueUrl });
    expect(
      JSON.parse((await attributes(sqs, queueUrl)).RedrivePolicy!).deadLetterTargetArn,
    ).toMatch(new RegExp(`:${name}-letters$`));
  });

  it('refuses to create a queue at a URL SQS would not give it', async () => {
    const sqs = client();
    const name = uniqueQueueName('elsewhere');
    const queueUrl = (await urlFor(sqs, name)).replace('/000000000000/', '/123456789012/');
    const transport = createSqsQueue({ queueUrl, logger: silentLogger, ...where() });
    onTestFinished(() => transport.close!());
    await expect(transport.setup()).rejects.toThrow(
      /the configured URL is .*123456789012.*: it names a queue in another account or region/,
    );
  });

  it('is what `worldkit setup` runs for WORLDKIT_SQS_QUEUE_URL with WORLDKIT_SQS_SETUP=true', async () => {
    const sqs = client();
    const name = uniqueQueueName('from-env');
    const queueUrl = await urlFor(sqs, name);
    vi.stubEnv(QUEUE_URL_ENV, queueUrl);
    vi.stubEnv(SETUP_ENV, 'true');
    vi.stubEnv(ENDPOINT_ENV, fauxqs.server.endpoint);
    vi.stubEnv(REGION_ENV, fauxqs.server.region);
    // The queue part configured by the environment alone (`sqsQueue()` in world.config.ts).
    const queue = sqsQueue().create({
      deploymentId: 'test',
      logger: silentLogger,
      versions: () => {
        throw new Error('not used');
      },
    }) as ReturnType<typeof createSqsQueue>;
    onTestFinished(() => queue.close!());
    expect(await queue.setup()).toEqual({
      queueUrl,
      deadLetterQueueUrl: expect.stringMatching(`/${name}-dlq$`),
    });
    await sqs.send(new GetQueueUrlCommand({ QueueName: `${name}-dlq` }));
  });
});
