/**
 * The IAM actions each role gets, and why: one entry per AWS SDK call the providers make.
 * `permissions.test.ts` reads the providers' sources and fails when they start calling
 * something this file does not grant.
 *
 * DynamoDB authorises the items of `TransactWriteItems` / `TransactGetItems` one by one with
 * the item's own action (a `Put` needs `dynamodb:PutItem`, a `ConditionCheck` needs
 * `dynamodb:ConditionCheckItem`); there is no IAM action for a transaction as a whole.
 */

/**
 * `@worldkit/dynamodb` storage and version store, as the app (and the CLI) use them. Table
 * creation (`CreateTable`, `UpdateTable`, `DescribeTable`) is not here: the table is created by
 * CloudFormation and the providers run with `autoSetup` off.
 */
export const TABLE_READ_WRITE_ACTIONS: readonly string[] = [
  'dynamodb:GetItem', // GetCommand, the Get items of TransactGetCommand
  'dynamodb:Query', // QueryCommand: lists (on the indexes) and chunked payloads (on the table)
  'dynamodb:BatchGetItem', // BatchGetCommand: lists re-read the items an index returned
  'dynamodb:PutItem', // PutCommand (payload chunks), Put items of TransactWriteCommand
  'dynamodb:UpdateItem', // Update items of TransactWriteCommand
  'dynamodb:DeleteItem', // DeleteCommand (chunks of a failed write), Delete items of TransactWriteCommand
  'dynamodb:ConditionCheckItem', // ConditionCheck items of TransactWriteCommand
];

/**
 * What the dispatcher reads: a version's record (`versions.get`: a consistent `GetItem`, and a
 * `Query` on the table for a record stored in chunks). It writes nothing to the table.
 */
export const TABLE_VERSION_READ_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:Query'];

/** What Lambda's SQS event source mapping calls with the function's role. */
export const QUEUE_EVENT_SOURCE_ACTIONS: readonly string[] = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];

/**
 * `@worldkit/sqs` sending: new messages and redeliveries on the main queue, dead letters on
 * the dead-letter queue. Both queue URLs are passed in the environment, so no `GetQueueUrl` /
 * `GetQueueAttributes` lookup is needed.
 */
export const QUEUE_SEND_ACTIONS: readonly string[] = ['sqs:SendMessage'];

/** The function's own log group (CloudFormation creates it, so no `logs:CreateLogGroup`). */
export const LOG_WRITE_ACTIONS: readonly string[] = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** Vercel's OIDC token is exchanged for the app's role with this STS call. */
export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';
