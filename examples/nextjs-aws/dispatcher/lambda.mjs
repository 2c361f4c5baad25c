// AWS Lambda entry for an SQS event source mapping: each record runs through Worldkit's delivery
// policy, which POSTs it (signed) to the Next.js deployment of the run's version. Failures are
// reported per record (ReportBatchItemFailures), so one bad message never re-drives the batch.
// Package world.config.ts with the function (or set WORLDKIT_CONFIG to its path). Inside Lambda
// (AWS_LAMBDA_FUNCTION_NAME is set) the SQS queue does not long-poll: the event source delivers.
import { createWorld } from '@worldkit/core';
import { findConfigFile, loadWorldConfig } from '@worldkit/core/target-world';
import { createSqsLambdaHandler } from '@worldkit/sqs';

export const handler = createSqsLambdaHandler(createWorld(loadWorldConfig(findConfigFile())));
