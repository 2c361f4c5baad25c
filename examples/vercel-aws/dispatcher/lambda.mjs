// AWS Lambda entry for an SQS event source: each record runs through Worldkit's delivery policy,
// which POSTs it (signed) to the app of the run's version; failures are reported per record
// (ReportBatchItemFailures), so one bad message never re-drives the whole batch.
// Bundle world.config.ts with the function (or set WORLDKIT_CONFIG to its path).
import { createWorld } from '@worldkit/core';
import { findConfigFile, loadWorldConfig } from '@worldkit/core/target-world';
import { createSqsLambdaHandler } from '@worldkit/sqs';

export const handler = createSqsLambdaHandler(createWorld(loadWorldConfig(findConfigFile())));
