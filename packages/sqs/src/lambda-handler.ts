import { type ComposedWorld, createWorld, type WorldConfig } from '@worldkit/core';
import type { SqsBatchResponse, SqsEventRecord, SqsQueueTransport } from './queue/sqs-queue.js';
import { PACKAGE_NAME } from './settings.js';

/** The parts of an SQS event the handler reads; `SQSEvent` from `@types/aws-lambda` fits it. */
export interface SqsEvent {
  Records: SqsEventRecord[];
}

export type SqsLambdaHandler = (event: SqsEvent) => Promise<SqsBatchResponse>;

/**
 * An AWS Lambda handler for an SQS event source mapping on the World's queue. Each record runs
 * through the same delivery policy as a polling consumer; the result is a partial batch
 * response, so enable `ReportBatchItemFailures` on the mapping:
 *
 * - handled → reported as success (Lambda deletes it);
 * - `sleep()`, step retry, backoff → the next envelope is sent as a new delayed message, then
 *   the record is reported as success; if that send fails, the record is reported as failed
 *   and Lambda hands it out again;
 * - hopeless → sent to the dead-letter queue with its reason, reported as success;
 * - the receiver or an SQS call throws → reported as failed.
 *
 * The World's queue must be `sqsQueue(...)` with polling off (the default inside Lambda).
 * Load the workflow code (e.g. `loadWorkflowCode`) before the first invocation.
 */
export function createSqsLambdaHandler(source: ComposedWorld | WorldConfig): SqsLambdaHandler {
  const world = 'worldkit' in source ? source : createWorld(source);
  const transport = world.worldkit.queue as Partial<SqsQueueTransport>;
  if (transport.kind !== 'transport' || typeof transport.handleRecords !== 'function') {
    throw new Error(
      `${PACKAGE_NAME}: createSqsLambdaHandler needs a World whose queue is sqsQueue(...); this one's queue comes from ${world.worldkit.providers.queue.packageName}`,
    );
  }
  if (transport.polls) {
    throw new Error(
      `${PACKAGE_NAME}: the World's SQS queue long-polls; inside Lambda the event source delivers. Set sqsQueue({ poll: false }) (the default when AWS_LAMBDA_FUNCTION_NAME is set).`,
    );
  }
  const handleRecords = transport.handleRecords.bind(transport);
  return async (event) => {
    // Idempotent: the first invocation of a container starts the World (no polling).
    await world.start();
    return handleRecords(event.Records ?? []);
  };
}
