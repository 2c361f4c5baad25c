// The durable compositions the reliability tests run, built from environment variables so the
// test process and the worker processes it spawns compose the same World:
//   REL_COMPOSITION        postgres | postgres-bullmq | postgres-sqs | dynamodb-sqs
//   REL_POSTGRES_URL, REL_POSTGRES_SCHEMA   PostgreSQL storage (and queue, for `postgres`)
//   REL_REDIS_URL, REL_REDIS_PREFIX         BullMQ queue
//   REL_SQS_ENDPOINT, REL_SQS_QUEUE         SQS queue (fauxqs)
//   REL_DYNAMODB_ENDPOINT, REL_DYNAMODB_TABLE
//   REL_VISIBILITY_SECONDS  lease of a received message (default 5: a killed worker's messages
//                           come back after 5 s rather than the default 30 s)
//   REL_RECOVERY_INTERVAL_MS, REL_RECOVERY_STALE_MS  periodic recovery (default: the World's)

/** Fixed fake credentials: the emulators accept any, and the SDK never probes for real ones. */
export function useEmulatorCredentials() {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

function required(env, name) {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Storage, queue and streamer of `env.REL_COMPOSITION`, plus recovery settings if given. */
export async function compositionParts(env = process.env) {
  const composition = required(env, 'REL_COMPOSITION');
  const visibilityTimeoutSeconds = Number(env.REL_VISIBILITY_SECONDS ?? 5);
  const recovery = env.REL_RECOVERY_INTERVAL_MS
    ? {
        intervalMs: Number(env.REL_RECOVERY_INTERVAL_MS),
        staleAfterMs: Number(env.REL_RECOVERY_STALE_MS ?? 3_000),
      }
    : undefined;
  const sqs = async () => {
    useEmulatorCredentials();
    const { sqsQueue } = await import('@worldkit/sqs');
    return sqsQueue({
      queueName: required(env, 'REL_SQS_QUEUE'),
      setup: true,
      endpoint: required(env, 'REL_SQS_ENDPOINT'),
      region: 'us-east-1',
      poll: true,
      visibilityTimeoutSeconds,
      concurrency: 20,
      // Short long-polls, so closing a World is not held up by a 20 s poll.
      waitTimeSeconds: 1,
      closeTimeoutMs: 2_000,
    });
  };
  const postgresParts = async () => {
    const { postgresStorage, postgresStreamer } = await import('@worldkit/postgres');
    const settings = {
      connectionString: required(env, 'REL_POSTGRES_URL'),
      schema: env.REL_POSTGRES_SCHEMA,
    };
    return { storage: postgresStorage(settings), streamer: postgresStreamer(settings) };
  };

  let parts;
  if (composition === 'postgres') {
    const { postgres } = await import('@worldkit/postgres');
    parts = postgres({
      connectionString: required(env, 'REL_POSTGRES_URL'),
      schema: env.REL_POSTGRES_SCHEMA,
      visibilityTimeoutSeconds,
      concurrency: 20,
    });
  } else if (composition === 'postgres-bullmq') {
    const { bullmqQueue } = await import('@worldkit/redis');
    parts = {
      ...(await postgresParts()),
      queue: bullmqQueue({
        url: required(env, 'REL_REDIS_URL'),
        prefix: env.REL_REDIS_PREFIX ?? 'reliability',
        // A killed worker's jobs come back once their lock lapses and a stalled check runs.
        lockDurationMs: visibilityTimeoutSeconds * 1000,
      }),
    };
  } else if (composition === 'postgres-sqs') {
    parts = { ...(await postgresParts()), queue: await sqs() };
  } else if (composition === 'dynamodb-sqs') {
    useEmulatorCredentials();
    const { dynamodbStorage } = await import('@worldkit/dynamodb');
    const { localStreamer } = await import('@worldkit/local');
    parts = {
      storage: dynamodbStorage({
        table: required(env, 'REL_DYNAMODB_TABLE'),
        endpoint: required(env, 'REL_DYNAMODB_ENDPOINT'),
      }),
      queue: await sqs(),
      // Nothing in these workflows streams; memory is enough.
      streamer: localStreamer({ memory: true }),
    };
  } else {
    throw new Error(`unknown composition ${composition}`);
  }
  return recovery ? { ...parts, recovery } : parts;
}
