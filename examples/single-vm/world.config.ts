import { defineWorld } from '@worldkit/core';
import { postgresStorage } from '@worldkit/postgres';
import { bullmqQueue, redisStreamer } from '@worldkit/redis';

/**
 * One VM, two services: PostgreSQL keeps runs, steps, events, hooks and version records;
 * Redis carries queue messages (BullMQ) and run streams.
 *
 * Connection settings come from the environment so the same file serves the worker, the
 * HTTP server and `setup` (systemd's EnvironmentFile or PM2's env block sets them):
 *   WORLDKIT_POSTGRES_URL   postgres://user:pass@127.0.0.1:5432/app
 *   WORLDKIT_REDIS_URL      redis://127.0.0.1:6379
 *   WORLDKIT_DEPLOYMENT_ID  the version of the code (e.g. the git sha), same in every process
 */
export default defineWorld({
  storage: postgresStorage({ connectionString: process.env.WORLDKIT_POSTGRES_URL }),
  queue: bullmqQueue({ url: process.env.WORLDKIT_REDIS_URL }),
  streamer: redisStreamer({ url: process.env.WORLDKIT_REDIS_URL }),
});
