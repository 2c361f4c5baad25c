import { MissingSettingError, WorldkitConfigError } from '@worldkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CONCURRENCY_ENV,
  LAMBDA_FUNCTION_ENV,
  QUEUE_NAME_ENV,
  QUEUE_URL_ENV,
  resolveSqsSettings,
  SETUP_ENV,
} from './settings.js';

const URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/worldkit';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('sqs settings', () => {
  it('reads the queue URL from the environment and fills defaults', () => {
    vi.stubEnv(QUEUE_URL_ENV, URL);
    vi.stubEnv(LAMBDA_FUNCTION_ENV, '');
    expect(resolveSqsSettings()).toMatchObject({
      queueUrl: URL,
      queueName: undefined,
      concurrency: 100,
      pollers: 10,
      waitTimeSeconds: 20,
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 10,
      poll: true,
      setup: false,
    });
  });

  it('names the option and both environment variables when no queue is given', () => {
    vi.stubEnv(QUEUE_URL_ENV, '');
    vi.stubEnv(QUEUE_NAME_ENV, '');
    expect(() => resolveSqsSettings()).toThrow(MissingSettingError);
    expect(() => resolveSqsSettings()).toThrow(new RegExp(`${QUEUE_URL_ENV}.*${QUEUE_NAME_ENV}`));
  });

  it('refuses bad values, saying where they came from', () => {
    vi.stubEnv(CONCURRENCY_ENV, 'lots');
    expect(() => resolveSqsSettings({ queueUrl: URL })).toThrow(
      /concurrency: expected a whole number from 1 to 10000, got "lots" \(from env WORLDKIT_SQS_CONCURRENCY\)/,
    );
    expect(() => resolveSqsSettings({ queueName: 'jobs.fifo' })).toThrow(
      /FIFO queues cannot delay/,
    );
    expect(() => resolveSqsSettings({ queueUrl: URL, waitTimeSeconds: 30 })).toThrow(
      WorldkitConfigError,
    );
    expect(() => resolveSqsSettings({ queueUrl: URL, queueUrll: URL } as never)).toThrow(
      /queueUrll: expected no such option/,
    );
  });

  it('refuses ambiguous or impossible combinations', () => {
    expect(() => resolveSqsSettings({ queueUrl: URL, queueName: 'jobs' })).toThrow(
      /either queueUrl or queueName, not both/,
    );
  });

  it('sets up a queue given by URL, named by its last segment', () => {
    expect(resolveSqsSettings({ queueUrl: URL, setup: true })).toMatchObject({
      queueUrl: URL,
      queueName: undefined,
      setup: true,
      deadLetterQueueName: 'worldkit-dlq',
    });
    expect(() => resolveSqsSettings({ queueUrl: `${URL}.fifo`, setup: true })).toThrow(
      /queueUrl: expected with setup, a URL ending in a standard queue name/,
    );

    // The URL and the name both in the environment (a deploy step's and the app's variables).
    vi.stubEnv(QUEUE_URL_ENV, URL);
    vi.stubEnv(SETUP_ENV, 'true');
    vi.stubEnv(QUEUE_NAME_ENV, 'worldkit');
    expect(resolveSqsSettings()).toMatchObject({ queueUrl: URL, setup: true });
    vi.stubEnv(QUEUE_NAME_ENV, 'another');
    expect(() => resolveSqsSettings()).toThrow(
      /queueName: expected the queue WORLDKIT_SQS_QUEUE_URL names \("worldkit"\), or unset .*got "another" \(from env WORLDKIT_SQS_QUEUE_NAME\)/,
    );
  });

  it('names the dead-letter queue after the queue and derives pollers from concurrency', () => {
    expect(resolveSqsSettings({ queueName: 'jobs', concurrency: 25 })).toMatchObject({
      deadLetterQueueName: 'jobs-dlq',
      pollers: 3,
    });
  });

  it('does not poll inside AWS Lambda unless told to', () => {
    vi.stubEnv(LAMBDA_FUNCTION_ENV, 'my-function');
    expect(resolveSqsSettings({ queueUrl: URL }).poll).toBe(false);
    expect(resolveSqsSettings({ queueUrl: URL, poll: true }).poll).toBe(true);
  });

  it('passes already resolved settings through unchanged', () => {
    const resolved = resolveSqsSettings({ queueUrl: URL, concurrency: 7 });
    expect(resolveSqsSettings(resolved)).toBe(resolved);
  });
});
