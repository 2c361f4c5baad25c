import { defineWorld, WorldkitConfigError } from '@worldkit/core';
import { dynamodbStorage } from '@worldkit/dynamodb';
import { httpCompute } from '@worldkit/http';
import { postgresStorage, postgresStreamer } from '@worldkit/postgres';
import { redisStreamer } from '@worldkit/redis';
import { sqsQueue } from '@worldkit/sqs';

/**
 * One file for every process: the Next.js app (each deployment is a version), the dispatcher
 * (Lambda or a long-running worker) and the `worldkit` CLI. Everything comes from the
 * environment, so the same file runs against AWS in production and against local servers in
 * the test. Two backends, picked by WORLD_BACKEND (both are imported, so both are traced into
 * the app's standalone output):
 *
 *   postgres   PostgreSQL / Amazon RDS (storage, versions, streams) + Amazon SQS (queue)
 *              WORLDKIT_POSTGRES_URL (or DATABASE_URL)
 *   dynamodb   Amazon DynamoDB (storage, versions) + Amazon SQS (queue) + Redis (streams)
 *              WORLDKIT_DYNAMODB_TABLE, WORLDKIT_REDIS_URL (+ WORLDKIT_DYNAMODB_ENDPOINT locally)
 *
 * Both: AWS_REGION, WORLDKIT_SQS_QUEUE_URL (+ WORLDKIT_SQS_ENDPOINT locally),
 * WORLDKIT_DISPATCH_SECRET (shared HMAC secret, ≥ 32 characters), WORLDKIT_DEPLOYMENT_ID (this
 * build's version id; on Vercel, VERCEL_DEPLOYMENT_ID).
 */
const BACKENDS = ['postgres', 'dynamodb'] as const;
type Backend = (typeof BACKENDS)[number];

function chosenBackend(): Backend {
  const named = process.env.WORLD_BACKEND;
  if (named === undefined) {
    // Without WORLD_BACKEND, a PostgreSQL URL means the PostgreSQL backend.
    return process.env.WORLDKIT_POSTGRES_URL || process.env.DATABASE_URL ? 'postgres' : 'dynamodb';
  }
  if ((BACKENDS as readonly string[]).includes(named)) return named as Backend;
  throw new WorldkitConfigError([
    {
      key: 'backend',
      expected: BACKENDS.join(' or '),
      received: JSON.stringify(named),
      envVar: 'WORLD_BACKEND',
    },
  ]);
}

const parts =
  chosenBackend() === 'postgres'
    ? { storage: postgresStorage(), streamer: postgresStreamer() }
    : // DynamoDB has no live tailing: streams go to Redis (ElastiCache, Upstash, …).
      { storage: dynamodbStorage(), streamer: redisStreamer() };

export default defineWorld({
  ...parts, // each storage brings its own version store (versions live next to the runs)
  queue: sqsQueue(),
  compute: httpCompute(), // signed POST from the dispatcher to each version's deployment
  deploymentId: process.env.WORLDKIT_DEPLOYMENT_ID ?? process.env.VERCEL_DEPLOYMENT_ID,
});
