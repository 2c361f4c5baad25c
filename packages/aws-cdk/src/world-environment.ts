import { DEAD_LETTER_QUEUE_URL_ENV, POLL_ENV, QUEUE_URL_ENV } from '@worldkit/sqs';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { WorldkitQueue } from './worldkit-queue.js';

/** `@worldkit/dynamodb`'s table setting (`resolveDynamoDbSettings` reads it). */
export const DYNAMODB_TABLE_ENV = 'WORLDKIT_DYNAMODB_TABLE';
/** `@worldkit/dynamodb`'s switch for creating the table on first use. */
export const DYNAMODB_AUTO_SETUP_ENV = 'WORLDKIT_DYNAMODB_AUTO_SETUP';
/** `@worldkit/postgres`'s connection string (`resolvePostgresSettings` reads it). */
export const POSTGRES_URL_ENV = 'WORLDKIT_POSTGRES_URL';
/** The role a Vercel app assumes, as Vercel's own AWS guide names it. */
export const ROLE_ARN_ENV = 'AWS_ROLE_ARN';
export const REGION_ENV = 'AWS_REGION';

/**
 * The queue's part of a World's environment: both URLs (so neither process looks them up,
 * which would need `sqs:GetQueueUrl` / `sqs:GetQueueAttributes`) and polling off (the Lambda
 * event source delivers; the app only sends).
 */
export function queueEnvironment(queue: WorldkitQueue): Record<string, string> {
  return {
    [QUEUE_URL_ENV]: queue.queue.queueUrl,
    [DEAD_LETTER_QUEUE_URL_ENV]: queue.deadLetterQueue.queueUrl,
    [POLL_ENV]: 'false',
  };
}

/**
 * Stack outputs: one per Vercel environment variable, and all of them as one JSON object
 * (`VercelEnvironment`) for scripts that feed `vercel env add`.
 */
export function addOutputs(
  scope: Construct,
  vercelEnvironment: Record<string, string>,
  more: Record<string, { value: string; description: string }>,
): void {
  for (const [name, value] of Object.entries(vercelEnvironment)) {
    new CfnOutput(scope, `Env${name.replace(/[^A-Za-z0-9]/g, '')}`, {
      value,
      description: `Vercel environment variable ${name}`,
    });
  }
  new CfnOutput(scope, 'VercelEnvironment', {
    value: Stack.of(scope).toJsonString(vercelEnvironment),
    description: 'Environment variables for the Vercel project (no secrets), as JSON',
  });
  for (const [id, output] of Object.entries(more)) new CfnOutput(scope, id, output);
}
