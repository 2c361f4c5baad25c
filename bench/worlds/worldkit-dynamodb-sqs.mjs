/**
 * Worldkit on the AWS composition (examples/nextjs-aws's DynamoDB backend, minus Lambda): `dynamodbStorage`
 * (storage + its version store on one table) on DynamoDB Local, `sqsQueue` on fauxqs with
 * in-process compute (the queue's long-poll consumer calls the bundle's handler directly),
 * and `redisStreamer` — the streamer that composition ships with; the workload writes no
 * streams, so it is idle here and costs one Redis connection at most.
 *
 * Both AWS services are local emulators on 127.0.0.1 (see docs/performance.md for what that
 * does and does not say about real AWS latency). Settings are the packages' defaults (SQS
 * concurrency 100, 10 long polls of up to 20 s), as a user who does not tune them would run it.
 * The table is created by the storage's own `setup()` before the World opens, outside the
 * timed passes; the queue and its dead-letter queue by `setup: true` on `world.start()`.
 */
import { dynamoDbTableBytes } from '../storage-size.mjs';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The emulators accept any credentials, but the AWS SDK refuses to sign without some; fixed
 * fake ones also keep a developer's real keys from being sent anywhere and stop the SDK from
 * probing instance metadata. This is the worker process, which runs this World only.
 */
function useFakeAwsCredentials() {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

export const benchWorlds = [
  {
    name: 'worldkit-dynamodb-sqs',
    needs: ['dynamodb', 'sqs', 'redis'],
    // Queue and storage are shared services: a second process can consume the same runs.
    scalesOut: true,
    // The SQS queue's long polls outlive close() (up to waitTimeSeconds, 20 s) and hand back
    // what they receive; a process that exits before then strands those messages for the
    // visibility timeout (30 s), which showed up as 30 s runs in the pass after a second
    // process stopped. A process that closes this World stays up this long before exiting.
    lingerAfterCloseMs: 21_000,
    async open({ services }) {
      useFakeAwsCredentials();
      const { createWorld } = await import('@worldkit/core');
      const { createDynamoDbStorage, dynamodbStorage } = await import('@worldkit/dynamodb');
      const { sqsQueue } = await import('@worldkit/sqs');
      const { redisStreamer } = await import('@worldkit/redis');
      const { dynamodb, sqs, redis } = services;
      const table = {
        table: dynamodb.table,
        endpoint: dynamodb.endpoint,
        region: dynamodb.region,
      };

      // Create the table and its indexes now, so no timed pass (nor the warm-up) waits for it.
      const setupStorage = createDynamoDbStorage(table);
      try {
        await setupStorage.setup();
      } finally {
        await setupStorage.close();
      }

      const world = createWorld({
        storage: dynamodbStorage(table),
        queue: sqsQueue({
          queueName: sqs.queueName,
          setup: true,
          endpoint: sqs.endpoint,
          region: sqs.region,
          poll: true,
        }),
        streamer: redisStreamer({ url: redis.url, prefix: redis.prefix }),
        logger: quiet,
      });
      return {
        world,
        description:
          `dynamodbStorage (DynamoDB Local, table ${dynamodb.table}) + sqsQueue (fauxqs, queue ` +
          `${sqs.queueName}) + redisStreamer (prefix ${redis.prefix}), in-process compute`,
        afterLoad() {},
        // The table's items, approximately (a Scan; see storage-size.mjs). SQS messages are
        // in flight, not stored, and the Redis streamer holds nothing in this workload.
        storageBytes: () => dynamoDbTableBytes(table),
      };
    },
  },
];
