export { createPostgresClaims } from './claims/postgres-claims.js';
export {
  loadMigrations,
  type Migration,
  MigrationError,
  type MigrationReport,
  migrate,
  migrationLabel,
} from './connection/migrate.js';
export {
  postgres,
  postgresQueue,
  postgresStorage,
  postgresStreamer,
  postgresVersions,
} from './providers.js';
export {
  createPostgresQueue,
  type PostgresQueue,
  type PostgresQueueSettings,
} from './queue/postgres-queue.js';
export {
  PACKAGE_NAME,
  type PoolSizing,
  type PostgresSettings,
  type ResolvedPostgresSettings,
  resolvePostgresSettings,
} from './settings.js';
export { createPostgresStorage, type PostgresStorage } from './storage/postgres-storage.js';
export { createPostgresStreamer, type PostgresStreamer } from './streamer/postgres-streamer.js';
export {
  createPostgresVersionStore,
  type PostgresVersionStore,
} from './versions/postgres-version-store.js';
