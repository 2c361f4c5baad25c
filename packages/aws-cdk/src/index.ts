export { dispatchSecretFor, GENERATED_SECRET_LENGTH } from './dispatch-secret.js';
export {
  LOG_WRITE_ACTIONS,
  QUEUE_EVENT_SOURCE_ACTIONS,
  QUEUE_SEND_ACTIONS,
  TABLE_READ_WRITE_ACTIONS,
  TABLE_VERSION_READ_ACTIONS,
  WEB_IDENTITY_ACTION,
} from './permissions.js';
export {
  VercelOidcRole,
  type VercelOidcRoleProps,
  type VercelProjectProps,
  vercelAudience,
  vercelIssuerHost,
  vercelSubject,
} from './vercel-oidc-role.js';
export {
  DYNAMODB_AUTO_SETUP_ENV,
  DYNAMODB_TABLE_ENV,
  POSTGRES_URL_ENV,
  queueEnvironment,
  REGION_ENV,
  ROLE_ARN_ENV,
} from './world-environment.js';
export { type QueueOptions, WorldkitAws, type WorldkitAwsProps } from './worldkit-aws.js';
export {
  LAMBDA_CA_BUNDLE,
  PASSWORD_EXCLUDED_CHARACTERS,
  POSTGRES_PORT,
  WorldkitAwsPostgres,
  type WorldkitAwsPostgresProps,
  type WorldkitDatabaseOptions,
} from './worldkit-aws-postgres.js';
export {
  DEFAULT_DISPATCH_TIMEOUT,
  DEFAULT_DISPATCHER_TIMEOUT,
  type DispatcherOptions,
  type DispatcherTimeouts,
  dispatcherTimeouts,
  type SecretField,
  VISIBILITY_TIMEOUT_FACTOR,
  WorldkitDispatcher,
  type WorldkitDispatcherProps,
} from './worldkit-dispatcher.js';
export {
  SQS_MAX_MESSAGE_BYTES,
  WorldkitQueue,
  type WorldkitQueueProps,
} from './worldkit-queue.js';
export { TABLE_KEY, WorldkitTable, type WorldkitTableProps } from './worldkit-table.js';
