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
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export const benchWorlds = [
  {
    name: 'worldkit-postgres',
    needs: ['postgres'],
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
      };
    },
  },
  {
    name: 'worldkit-pg-bullmq',
    needs: ['postgres', 'redis'],
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
      };
    },
  },
];
