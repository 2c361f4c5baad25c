import { defineWorld } from '@worldkit/core';
import { dynamodbStorage } from '@worldkit/dynamodb';
import { httpCompute } from '@worldkit/http';
import { redisStreamer } from '@worldkit/redis';
import { sqsQueue } from '@worldkit/sqs';

/**
 * One file for every process: the Vercel app (each deployment is a version), and the
 * dispatcher (Lambda or a long-running worker) that delivers queue messages to the version
 * that owns each run. Everything comes from the environment, so the same file runs against
 * AWS in production and against DynamoDB Local + fauxqs + redis-server on a laptop or in CI.
 *
 *   WORLDKIT_DYNAMODB_TABLE, AWS_REGION (+ WORLDKIT_DYNAMODB_ENDPOINT locally)
 *   WORLDKIT_SQS_QUEUE_URL            (+ WORLDKIT_SQS_ENDPOINT locally)
 *   WORLDKIT_REDIS_URL                 streams (ElastiCache, Upstash, …)
 *   WORLDKIT_DISPATCH_SECRET           shared HMAC secret, ≥ 32 characters
 *   WORLDKIT_DEPLOYMENT_ID             this build's version id (VERCEL_DEPLOYMENT_ID works well)
 */
export default defineWorld({
  storage: dynamodbStorage(), // also brings the DynamoDB version store
  queue: sqsQueue(),
  streamer: redisStreamer(),
  compute: httpCompute(),
  deploymentId: process.env.WORLDKIT_DEPLOYMENT_ID ?? process.env.VERCEL_DEPLOYMENT_ID,
});
