import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_MAX_MESSAGE_BYTES } from './message-body.js';

/** SQS's longest retention: dead letters and long chains of delays outlive a weekend. */
export const MESSAGE_RETENTION_SECONDS = 1_209_600;

export interface SqsQueueSetup {
  queueName: string;
  deadLetterQueueName: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

export interface SqsQueueAddresses {
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/** What `ensureSqsQueue` needs: the main queue by URL or name, and its dead-letter queue. */
export interface SqsQueueEnsure {
  /** The main queue's URL, when it is configured by URL (then `queueName` is its last segment). */
  queueUrl?: string;
  queueName: string;
  /** A configured dead-letter queue; otherwise the main queue's RedrivePolicy target. */
  deadLetterQueueUrl?: string;
  /** Created when the main queue has no dead-letter queue at all. */
  deadLetterQueueName: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
}

/**
 * Creates the main queue and its dead-letter queue if missing and (re)applies their
 * attributes, so running it again — or from several processes at once — converges on the
 * same configuration. The main queue's RedrivePolicy names the dead-letter queue.
 */
export async function setupSqsQueue(
  client: SQSClient,
  setup: SqsQueueSetup,
): Promise<SqsQueueAddresses> {
  const retention = {
    MessageRetentionPeriod: String(MESSAGE_RETENTION_SECONDS),
    MaximumMessageSize: String(SQS_MAX_MESSAGE_BYTES),
  };
  const deadLetterQueueUrl = await ensureQueue(client, setup.deadLetterQueueName, retention);
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: deadLetterQueueUrl,
      AttributeNames: ['QueueArn'],
    }),
  );
  const deadLetterTargetArn = Attributes?.QueueArn;
  if (!deadLetterTargetArn) {
    throw new Error(`SQS returned no QueueArn for ${deadLetterQueueUrl}`);
  }
  const queueUrl = await ensureQueue(client, setup.queueName, {
    ...retention,
    VisibilityTimeout: String(setup.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn,
      maxReceiveCount: setup.maxReceiveCount,
    }),
  });
  return { queueUrl, deadLetterQueueUrl };
}

/**
 * Makes sure the main queue and a dead-letter queue exist, without changing queues that are
 * already there (they may be managed elsewhere: CDK, Terraform, the console). A missing main
 * queue is created as `setupSqsQueue` creates it, named after its URL's last segment when it is
 * configured by URL (which must then be the URL SQS gives it). An existing one keeps its
 * attributes; only when it has no dead-letter queue at all (no `deadLetterQueueUrl`, no
 * RedrivePolicy) is `deadLetterQueueName` created and set as its RedrivePolicy. A configured
 * `deadLetterQueueUrl` that does not exist is created by its name.
 */
export async function ensureSqsQueue(
  client: SQSClient,
  ensure: SqsQueueEnsure,
): Promise<SqsQueueAddresses> {
  const retention = {
    MessageRetentionPeriod: String(MESSAGE_RETENTION_SECONDS),
    MaximumMessageSize: String(SQS_MAX_MESSAGE_BYTES),
  };
  const existing = ensure.queueUrl
    ? await describeQueue(client, ensure.queueUrl)
    : await describeQueueByName(client, ensure.queueName);

  let deadLetterQueueUrl = ensure.deadLetterQueueUrl;
  if (deadLetterQueueUrl) {
    const found = await describeQueue(client, deadLetterQueueUrl);
    if (!found) await createAt(client, deadLetterQueueUrl, retention);
  } else if (existing?.redrivePolicy) {
    deadLetterQueueUrl = await redriveTargetUrl(client, existing.redrivePolicy);
  }
  const redrivePolicy = async () => {
    deadLetterQueueUrl ??= await ensureQueue(client, ensure.deadLetterQueueName, retention);
    return JSON.stringify({
      deadLetterTargetArn: await queueArn(client, deadLetterQueueUrl),
      maxReceiveCount: ensure.maxReceiveCount,
    });
  };

  if (!existing) {
    const attributes = {
      ...retention,
      VisibilityTimeout: String(ensure.visibilityTimeoutSeconds),
      RedrivePolicy: await redrivePolicy(),
    };
    const queueUrl = ensure.queueUrl
      ? await createAt(client, ensure.queueUrl, attributes)
      : await ensureQueue(client, ensure.queueName, attributes);
    return { queueUrl, deadLetterQueueUrl: deadLetterQueueUrl! };
  }
  if (!deadLetterQueueUrl) {
    await client.send(
      new SetQueueAttributesCommand({
        QueueUrl: existing.url,
        Attributes: { RedrivePolicy: await redrivePolicy() },
      }),
    );
  }
  return { queueUrl: existing.url, deadLetterQueueUrl: deadLetterQueueUrl! };
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → `<name>`. */
export function queueNameFromUrl(url: string): string | undefined {
  try {
    return new URL(url).pathname.split('/').filter(Boolean).at(-1);
  } catch {
    return undefined;
  }
}

interface DescribedQueue {
  url: string;
  redrivePolicy?: string;
}

/** The queue at `url`, or undefined when SQS says it does not exist. */
async function describeQueue(client: SQSClient, url: string): Promise<DescribedQueue | undefined> {
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    return { url, redrivePolicy: Attributes?.RedrivePolicy };
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw error;
  }
}

async function describeQueueByName(
  client: SQSClient,
  name: string,
): Promise<DescribedQueue | undefined> {
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    return QueueUrl ? describeQueue(client, QueueUrl) : undefined;
  } catch (error) {
    if (isQueueMissing(error)) return undefined;
    throw error;
  }
}

/**
 * Creates the queue a URL names (by its last segment) and checks that SQS put it at that URL:
 * a URL of another account or region than the client's cannot be created from here.
 */
async function createAt(
  client: SQSClient,
  url: string,
  attributes: Record<string, string>,
): Promise<string> {
  const name = queueNameFromUrl(url);
  if (!name || !STANDARD_QUEUE_NAME.test(name)) {
    throw new Error(
      `@worldkit/sqs: cannot create the queue at ${url}: its name ${JSON.stringify(name ?? '')} is not a standard queue name (1–80 letters, digits, _ or -; FIFO queues cannot delay single messages)`,
    );
  }
  const created = await ensureQueue(client, name, attributes);
  if (pathOf(created) !== pathOf(url)) {
    throw new Error(
      `@worldkit/sqs: created queue "${name}" at ${created}, but the configured URL is ${url}: it names a queue in another account or region than this client's (set AWS_REGION and credentials for it, or create it there)`,
    );
  }
  return url;
}

/** `/<account>/<name>`: the same queue, whichever SQS host name a URL uses. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return url;
  }
}

async function queueArn(client: SQSClient, url: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`SQS returned no QueueArn for ${url}`);
  return Attributes.QueueArn;
}

/** The URL of the queue a RedrivePolicy names. */
export async function redriveTargetUrl(
  client: SQSClient,
  policy: string | undefined,
): Promise<string | undefined> {
  const arn = policy
    ? (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  // arn:aws:sqs:<region>:<account>:<name>
  const [, , , , account, name] = arn?.split(':') ?? [];
  if (!account || !name) return undefined;
  const { QueueUrl } = await client.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
  );
  if (!QueueUrl) throw new Error(`@worldkit/sqs: SQS returned no URL for queue "${name}"`);
  return QueueUrl;
}

const STANDARD_QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

function isQueueMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return (
    error.name === 'QueueDoesNotExist' ||
    error.name.endsWith('NonExistentQueue') ||
    code === 'AWS.SimpleQueueService.NonExistentQueue'
  );
}

async function ensureQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<string> {
  try {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    if (!QueueUrl) throw new Error(`SQS returned no QueueUrl creating ${name}`);
    return QueueUrl;
  } catch (error) {
    // CreateQueue is idempotent only for identical attributes; otherwise update them.
    if (!isQueueNameExists(error)) throw error;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`SQS returned no QueueUrl for ${name}`);
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl;
  }
}

function isQueueNameExists(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return error.name.endsWith('QueueNameExists') || code === 'QueueAlreadyExists';
}
