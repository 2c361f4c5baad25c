import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  describeValue,
  type Logger,
  MissingSettingError,
  resolveSetting,
  WorldkitConfigError,
} from '@worldkit/core';
import { z } from 'zod';
import { queueNameFromUrl } from './queue/queue-setup.js';

export const PACKAGE_NAME = '@worldkit/sqs';

export const QUEUE_URL_ENV = 'WORLDKIT_SQS_QUEUE_URL';
export const QUEUE_NAME_ENV = 'WORLDKIT_SQS_QUEUE_NAME';
export const DEAD_LETTER_QUEUE_URL_ENV = 'WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL';
export const SETUP_ENV = 'WORLDKIT_SQS_SETUP';
export const REGION_ENV = 'AWS_REGION';
export const ENDPOINT_ENV = 'WORLDKIT_SQS_ENDPOINT';
export const CONCURRENCY_ENV = 'WORLDKIT_SQS_CONCURRENCY';
export const POLL_ENV = 'WORLDKIT_SQS_POLL';
/** Set by AWS Lambda in every function's environment. */
export const LAMBDA_FUNCTION_ENV = 'AWS_LAMBDA_FUNCTION_NAME';

/** Deliveries in flight at once per process; handlers mostly wait on storage and network. */
export const DEFAULT_CONCURRENCY = 100;
/** SQS's longest long poll: fewest empty receives (each one is a billed request). */
export const DEFAULT_WAIT_TIME_SECONDS = 20;
export const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/**
 * Receives of one SQS message before SQS itself moves it to the dead-letter queue. Handler
 * failures never count here (each redelivery is a new message); only a receiver that throws,
 * a process that dies mid-delivery, or a failed SQS call after the handler do.
 */
export const DEFAULT_MAX_RECEIVE_COUNT = 10;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** What users pass to `sqsQueue(...)` / `createSqsQueue(...)`. */
export interface SqsQueueSettings {
  /** The main queue's URL (env `WORLDKIT_SQS_QUEUE_URL`). Either this or `queueName`. */
  queueUrl?: string;
  /** The main queue's name (env `WORLDKIT_SQS_QUEUE_NAME`); looked up, or created with `setup`. */
  queueName?: string;
  /**
   * Prepare the queues on first use (env `WORLDKIT_SQS_SETUP=true`), as `setup()` does. With
   * `queueName`: create the queue and its dead-letter queue `<queueName>-dlq` if missing and set
   * their attributes. With `queueUrl`: create the queue if missing (named by the URL's last
   * segment) and give it a dead-letter queue `<name>-dlq` if it has none; an existing queue's
   * attributes are left alone. Needs `sqs:CreateQueue`, `sqs:SetQueueAttributes`.
   */
  setup?: boolean;
  /** Dead-letter queue name created by `setup` (default `<queue name>-dlq`). */
  deadLetterQueueName?: string;
  /**
   * Dead-letter queue URL (env `WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL`). Default: the target of
   * the main queue's RedrivePolicy.
   */
  deadLetterQueueUrl?: string;
  /** AWS region (env `AWS_REGION`; the SDK's own resolution otherwise). */
  region?: string;
  /** SQS endpoint, e.g. a local emulator (env `WORLDKIT_SQS_ENDPOINT`). */
  endpoint?: string;
  /** An SQSClient to use instead of creating one. Worldkit never destroys it. */
  client?: SQSClient;
  /** Deliveries in flight at once in this process (default 100, env `WORLDKIT_SQS_CONCURRENCY`). */
  concurrency?: number;
  /** Concurrent long polls (default: one per 10 of `concurrency`, at most 10). */
  pollers?: number;
  /** Long-poll length, 0–20 s (default 20). `close()` does not wait for polls in progress. */
  waitTimeSeconds?: number;
  /** How long a received message stays hidden; extended while its handler runs (default 30 s). */
  visibilityTimeoutSeconds?: number;
  /** RedrivePolicy maxReceiveCount set by `setup` (default 10). */
  maxReceiveCount?: number;
  /**
   * Long-poll the queue after `world.start()` (env `WORLDKIT_SQS_POLL`). Defaults to `true`,
   * except inside AWS Lambda, where the SQS event source delivers (see `createSqsLambdaHandler`).
   */
  poll?: boolean;
  /** How long `close()` waits for deliveries in flight before returning anyway (default 10 s). */
  closeTimeoutMs?: number;
  logger?: Logger;
}

export interface ResolvedSqsSettings {
  queueUrl: string | undefined;
  queueName: string | undefined;
  setup: boolean;
  deadLetterQueueName: string | undefined;
  deadLetterQueueUrl: string | undefined;
  region: string | undefined;
  endpoint: string | undefined;
  client: SQSClient | undefined;
  concurrency: number;
  pollers: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  poll: boolean;
  closeTimeoutMs: number;
  logger: Logger | undefined;
}

/** `<queue>-dlq`, for a valid standard queue name. */
function defaultDeadLetterQueueName(queueName: string | undefined): string | undefined {
  if (!queueName || !queueNameSchema.safeParse(queueName).success) return undefined;
  return `${queueName.slice(0, 76)}-dlq`;
}

const RESOLVED = Symbol('worldkit.sqs.resolved');
type Branded = ResolvedSqsSettings & { [RESOLVED]: true };

const KNOWN_OPTIONS = new Set([
  'queueUrl',
  'queueName',
  'setup',
  'deadLetterQueueName',
  'deadLetterQueueUrl',
  'region',
  'endpoint',
  'client',
  'concurrency',
  'pollers',
  'waitTimeSeconds',
  'visibilityTimeoutSeconds',
  'maxReceiveCount',
  'poll',
  'closeTimeoutMs',
  'logger',
]);

const urlSchema = z.string().regex(/^https?:\/\/\S+$/);
// Standard queues only: FIFO queues refuse per-message delays, which sleep() relies on.
const queueNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);
const QUEUE_NAME_EXPECTED =
  'a standard queue name (1–80 letters, digits, _ or -; FIFO queues cannot delay single messages)';
const booleanSchema = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((text) => text === 'true' || text === '1'),
]);
const regionSchema = z.string().regex(/^[a-z0-9-]+$/);
const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Duck-typed so an SQSClient from another copy of the SDK is accepted. */
const clientSchema = z.custom<SQSClient>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SQSClient).send === 'function' &&
    typeof (value as SQSClient).destroy === 'function',
);

/**
 * Resolves and validates settings synchronously (no I/O), so a bad config fails when the World
 * is composed, with errors that name the option and its environment variable.
 */
export function resolveSqsSettings(
  settings: SqsQueueSettings | ResolvedSqsSettings = {},
): ResolvedSqsSettings {
  if (RESOLVED in settings) return settings as ResolvedSqsSettings;
  const unknown = Object.keys(settings).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) {
    throw new WorldkitConfigError(
      unknown.map((key) => ({
        key,
        expected: 'no such option (check the spelling)',
        received: describeValue((settings as Record<string, unknown>)[key]),
      })),
      `${PACKAGE_NAME} options`,
    );
  }
  const spec = <T>(option: string, envVar: string, schema: z.ZodType<T>, expected: string) => ({
    packageName: PACKAGE_NAME,
    option,
    envVar,
    schema,
    expected,
  });
  const option = <T>(
    name: keyof SqsQueueSettings,
    schema: z.ZodType<T>,
    expected: string,
    fallback: T,
  ): T => {
    const value = settings[name] as T | undefined;
    if (value === undefined) return fallback;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new WorldkitConfigError(
      [{ key: name, expected, received: describeValue(value) }],
      `${PACKAGE_NAME} options`,
    );
  };

  if (settings.queueUrl !== undefined && settings.queueName !== undefined) {
    throw new WorldkitConfigError(
      [
        {
          key: 'queueName',
          expected: 'either queueUrl or queueName, not both',
          received: describeValue(settings.queueName),
        },
      ],
      `${PACKAGE_NAME} options`,
    );
  }
  const queueUrl = resolveSetting(
    spec('queueUrl', QUEUE_URL_ENV, urlSchema, 'an SQS queue URL (https://sqs.<region>...)'),
    settings.queueUrl,
    undefined,
  );
  const queueName = queueUrl
    ? undefined
    : resolveSetting(
        spec('queueName', QUEUE_NAME_ENV, queueNameSchema, QUEUE_NAME_EXPECTED),
        settings.queueName,
        undefined,
      );
  if (!queueUrl && !queueName) {
    throw new MissingSettingError(
      PACKAGE_NAME,
      'queueUrl',
      `${QUEUE_URL_ENV} (or queueName / ${QUEUE_NAME_ENV})`,
      'an SQS queue URL, or a queue name (with setup: true to create it)',
    );
  }

  const concurrency = resolveSetting(
    spec('concurrency', CONCURRENCY_ENV, wholeNumber(1, 10_000), 'a whole number from 1 to 10000'),
    settings.concurrency,
    DEFAULT_CONCURRENCY,
  );
  const resolved: Branded = {
    [RESOLVED]: true,
    queueUrl,
    queueName,
    setup: resolveSetting(
      spec('setup', SETUP_ENV, booleanSchema, 'true or false'),
      settings.setup,
      false,
    ),
    deadLetterQueueName: option(
      'deadLetterQueueName',
      queueNameSchema,
      QUEUE_NAME_EXPECTED,
      defaultDeadLetterQueueName(queueName ?? queueNameFromUrl(queueUrl ?? '')),
    ),
    deadLetterQueueUrl: resolveSetting(
      spec('deadLetterQueueUrl', DEAD_LETTER_QUEUE_URL_ENV, urlSchema, 'an SQS queue URL'),
      settings.deadLetterQueueUrl,
      undefined,
    ),
    region: resolveSetting(
      spec('region', REGION_ENV, regionSchema, 'an AWS region such as eu-west-1'),
      settings.region,
      undefined,
    ),
    endpoint: resolveSetting(
      spec('endpoint', ENDPOINT_ENV, urlSchema, 'an http(s):// URL'),
      settings.endpoint,
      undefined,
    ),
    client: option('client', clientSchema, 'an SQSClient (new SQSClient(...))', undefined),
    concurrency,
    pollers: option(
      'pollers',
      wholeNumber(1, 100),
      'a whole number from 1 to 100',
      Math.min(10, Math.ceil(concurrency / 10)),
    ),
    waitTimeSeconds: option(
      'waitTimeSeconds',
      wholeNumber(0, 20),
      'a whole number of seconds from 0 to 20',
      DEFAULT_WAIT_TIME_SECONDS,
    ),
    visibilityTimeoutSeconds: option(
      'visibilityTimeoutSeconds',
      // At least 3 s so the heartbeat (every third of it) has time to extend it.
      wholeNumber(3, 43_200),
      'a whole number of seconds from 3 to 43200',
      DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
    ),
    maxReceiveCount: option(
      'maxReceiveCount',
      wholeNumber(1, 1000),
      'a whole number from 1 to 1000',
      DEFAULT_MAX_RECEIVE_COUNT,
    ),
    poll: resolveSetting(
      spec('poll', POLL_ENV, booleanSchema, 'true or false'),
      settings.poll,
      !process.env[LAMBDA_FUNCTION_ENV],
    ),
    closeTimeoutMs: option(
      'closeTimeoutMs',
      wholeNumber(0, 600_000),
      'a whole number of milliseconds',
      DEFAULT_CLOSE_TIMEOUT_MS,
    ),
    logger: settings.logger,
  };
  if (resolved.setup && queueUrl) {
    // setup takes the queue's name from its URL: https://sqs.<region>.amazonaws.com/<account>/<name>
    const fromUrl = queueNameFromUrl(queueUrl);
    if (!queueNameSchema.safeParse(fromUrl).success) {
      throw new WorldkitConfigError(
        [
          {
            key: 'queueUrl',
            expected: `with setup, a URL ending in ${QUEUE_NAME_EXPECTED} (setup creates the queue by that name)`,
            received: describeValue(queueUrl),
            ...(settings.queueUrl === undefined ? { fromEnv: QUEUE_URL_ENV } : {}),
          },
        ],
        `${PACKAGE_NAME} options`,
      );
    }
    const nameFromEnv = process.env[QUEUE_NAME_ENV];
    if (settings.queueUrl === undefined && nameFromEnv && nameFromEnv !== fromUrl) {
      throw new WorldkitConfigError(
        [
          {
            key: 'queueName',
            expected: `the queue ${QUEUE_URL_ENV} names ("${fromUrl}"), or unset (${QUEUE_URL_ENV} wins)`,
            received: describeValue(nameFromEnv),
            fromEnv: QUEUE_NAME_ENV,
          },
        ],
        `${PACKAGE_NAME} options`,
      );
    }
  }
  return resolved;
}
