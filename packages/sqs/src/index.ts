export {
  createSqsLambdaHandler,
  type SqsEvent,
  type SqsLambdaHandler,
} from './lambda-handler.js';
export { sqsQueue } from './providers.js';
export {
  DEAD_LETTER_PEEK_LIMIT,
  DEAD_LETTERED_AT_ATTRIBUTE,
  type DeadLetter,
  REASON_ATTRIBUTE,
  SOURCE_MESSAGE_ID_ATTRIBUTE,
} from './queue/dead-letter-queue.js';
export { SQS_MAX_DELAY_SECONDS } from './queue/delivery-plan.js';
export { IDEMPOTENCY_RETAIN_MS } from './queue/idempotency-window.js';
export {
  ensureSqsQueue,
  MESSAGE_RETENTION_SECONDS,
  queueNameFromUrl,
  type SqsQueueAddresses,
  type SqsQueueEnsure,
  type SqsQueueSetup,
  setupSqsQueue,
} from './queue/queue-setup.js';
export {
  createSqsQueue,
  type SqsBatchResponse,
  type SqsEventRecord,
  type SqsQueueTransport,
} from './queue/sqs-queue.js';
export {
  CONCURRENCY_ENV,
  DEAD_LETTER_QUEUE_URL_ENV,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
  DEFAULT_WAIT_TIME_SECONDS,
  ENDPOINT_ENV,
  POLL_ENV,
  QUEUE_NAME_ENV,
  QUEUE_URL_ENV,
  REGION_ENV,
  type ResolvedSqsSettings,
  resolveSqsSettings,
  SETUP_ENV,
  type SqsQueueSettings,
} from './settings.js';
