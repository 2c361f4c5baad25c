/**
 * Worldkit on PostgreSQL, two ways, both with in-process compute (the queue consumer calls
 * the bundle's handler directly):
 *
 * - `worldkit-postgres`: every slot from `@worldkit/postgres` (storage, queue on
 *   `FOR UPDATE SKIP LOCKED` + LISTEN/NOTIFY, streamer, versions) on one database;
 * - `worldkit-pg-bullmq`: `postgresStorage` + `bullmqQueue` + `redisStreamer`, the
 *   examples/single-vm composition.
 *
 * Settings are each package's defaults (queue concurrency: 10 for the PostgreSQL queue, 100
 * for BullMQ), as a user who does not tune them would run it.
 */
import { postgresTableBytes } from '../storage-size.mjs';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export const benchWorlds = [
  {
    name: 'worldkit-postgres',
    needs: ['postgres'],
    // Queue and storage are shared services: a second process can consume the same runs.
    scalesOut: true,
    async open({ services }) {
      const { createWorld } = await import('@worldkit/core');
      const { postgres } = await import('@worldkit/postgres');
      const world = createWorld({
        ...postgres({ connectionString: services.postgres.url }),
        logger: quiet,
      });
      return {
        world,
        description: `@worldkit/postgres (storage, queue, streamer, versions) on database ${services.postgres.database}, in-process compute`,
        afterLoad() {},
        // Storage, queue and stream tables: every slot lives in this database.
        storageBytes: () => postgresTableBytes(services.postgres.url),
      };
    },
  },
  {
    name: 'worldkit-pg-bullmq',
    needs: ['postgres', 'redis'],
    // Queue and storage are shared services: a second process can consume the same runs.
    scalesOut: true,
    async open({ services }) {
      const { createWorld } = await import('@worldkit/core');
      const { postgresStorage } = await import('@worldkit/postgres');
      const { bullmqQueue, redisStreamer } = await import('@worldkit/redis');
      const redis = { url: services.redis.url, prefix: services.redis.prefix };
      const world = createWorld({
        storage: postgresStorage({ connectionString: services.postgres.url }),
        queue: bullmqQueue(redis),
        streamer: redisStreamer(redis),
        logger: quiet,
      });
      return {
        world,
        description: `postgresStorage (database ${services.postgres.database}) + bullmqQueue + redisStreamer (prefix ${redis.prefix}), in-process compute`,
        afterLoad() {},
        // The storage tables only: BullMQ's jobs live in Redis and are not counted.
        storageBytes: () => postgresTableBytes(services.postgres.url),
      };
    },
  },
];
