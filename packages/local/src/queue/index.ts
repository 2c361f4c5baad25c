export {
  createLocalQueue,
  DEFAULT_QUEUE_CLOSE_TIMEOUT_MS,
  DEFAULT_QUEUE_CONCURRENCY,
  type LocalQueueSettings,
  QUEUE_JOURNAL_FILE,
} from './local-queue.js';
