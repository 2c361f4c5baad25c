// Starts the local stand-ins for AWS on 127.0.0.1 (free ports) and prints the environment for
// both backends of world.config.ts: PostgreSQL + fauxqs (SQS), and DynamoDB Local + fauxqs +
// redis-server. Needs the PostgreSQL server binaries, redis-server and Java 17+ (the test
// suite's prerequisites). Keeps running until Ctrl-C, then stops each server by its PID.
//
//   node scripts/local-backends.mjs            # both backends
//   node scripts/local-backends.mjs postgres   # only PostgreSQL + fauxqs
import { randomBytes } from 'node:crypto';
import {
  startDynamoDbLocal,
  startFauxqs,
  startPostgresServer,
  startRedisServer,
} from '@worldkit/test-servers';

const only = process.argv[2];
const want = (backend) => !only || only === backend;
if (only && !['postgres', 'dynamodb'].includes(only)) {
  console.error(`usage: node scripts/local-backends.mjs [postgres|dynamodb] (got ${only})`);
  process.exit(2);
}

const servers = [];
const started = async (promise) => {
  const server = await promise;
  servers.push(server);
  return server;
};
const fauxqs = await started(startFauxqs());
const postgres = want('postgres') ? await started(startPostgresServer()) : undefined;
const [dynamodb, redis] = want('dynamodb')
  ? await Promise.all([started(startDynamoDbLocal()), started(startRedisServer())])
  : [];

const common = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  WORLDKIT_SQS_ENDPOINT: fauxqs.endpoint,
  WORLDKIT_DISPATCH_SECRET: randomBytes(32).toString('hex'),
};
const print = (title, env) => {
  console.log(`\n# ${title}`);
  for (const [key, value] of Object.entries(env)) console.log(`export ${key}=${value}`);
};
if (postgres) {
  print('PostgreSQL + SQS', {
    ...common,
    WORLD_BACKEND: 'postgres',
    WORLDKIT_POSTGRES_URL: postgres.url,
    WORLDKIT_SQS_QUEUE_NAME: 'workflows-postgres',
  });
}
if (dynamodb && redis) {
  print('DynamoDB + SQS + Redis streams', {
    ...common,
    WORLD_BACKEND: 'dynamodb',
    WORLDKIT_DYNAMODB_TABLE: 'workflows',
    WORLDKIT_DYNAMODB_ENDPOINT: dynamodb.endpoint,
    WORLDKIT_REDIS_URL: redis.url,
    WORLDKIT_SQS_QUEUE_NAME: 'workflows-dynamodb',
  });
}
console.log('\n# servers are running on 127.0.0.1; Ctrl-C stops them');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map((server) => server.stop()));
    process.exit(0);
  });
}
setInterval(() => {}, 1 << 30);
