export { DataDirLockedError, DataDirWriterUnavailableError } from './data-dir/errors.js';
export { WRITER_LOCK_FILE } from './data-dir/writer-lock.js';
export {
  type LocalStorageProvider,
  local,
  localQueue,
  localStorage,
  localStreamer,
  localVersions,
} from './providers.js';
export { createLocalQueue, type LocalQueueSettings } from './queue/local-queue.js';
export {
  DATA_DIR_ENV,
  DEFAULT_DATA_DIR,
  type LocalQueueProviderSettings,
  type LocalSettings,
  QUEUE_CONCURRENCY_ENV,
} from './settings.js';
export { createLocalStorage, type LocalStorageSettings } from './storage/local-storage.js';
export { createLocalStreamer, type LocalStreamerSettings } from './streamer/local-streamer.js';
export {
  createLocalVersionStore,
  type LocalVersionStoreSettings,
} from './versions/local-versions.js';
