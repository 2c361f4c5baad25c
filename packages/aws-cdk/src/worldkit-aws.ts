import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dispatchSecretFor } from './dispatch-secret.js';
import {
  QUEUE_SEND_ACTIONS,
  TABLE_READ_WRITE_ACTIONS,
  TABLE_VERSION_READ_ACTIONS,
} from './permissions.js';
import { VercelOidcRole, type VercelProjectProps } from './vercel-oidc-role.js';
import {
  addOutputs,
  DYNAMODB_AUTO_SETUP_ENV,
  DYNAMODB_TABLE_ENV,
  queueEnvironment,
  REGION_ENV,
  ROLE_ARN_ENV,
} from './world-environment.js';
import {
  type DispatcherOptions,
  dispatcherTimeouts,
  WorldkitDispatcher,
} from './worldkit-dispatcher.js';
import { WorldkitQueue, type WorldkitQueueProps } from './worldkit-queue.js';
import { WorldkitTable, type WorldkitTableProps } from './worldkit-table.js';

/** Queue options a variant passes on (the visibility timeout follows the dispatcher's). */
export type QueueOptions = Omit<WorldkitQueueProps, 'visibilityTimeout'>;

export interface WorldkitAwsProps {
  /** The dispatcher Lambda: its code (required) and scaling. */
  dispatcher: DispatcherOptions;
  /** The Vercel project allowed to assume the app's role. Omit to create no role. */
  vercel?: VercelProjectProps;
  table?: WorldkitTableProps;
  queue?: QueueOptions;
  /** An existing plain-string secret for `WORLDKIT_DISPATCH_SECRET`. Default: one is generated. */
  dispatchSecret?: secretsmanager.ISecret;
  /** Add stack outputs (table, queue URLs, role, the Vercel environment as JSON). Default `true`. */
  outputs?: boolean;
}

/**
 * Worldkit's AWS side for a Vercel app whose workflow data stays in AWS: the DynamoDB table
 * (`@worldkit/dynamodb` storage + versions), the SQS queue and its DLQ (`@worldkit/sqs`), the
 * dispatcher Lambda on that queue (`@worldkit/http` signed delivery to each version), and the
 * role the Vercel app assumes through OIDC: table read/write and sending to the queue, nothing
 * else.
 */
export class WorldkitAws extends Construct {
  readonly table: dynamodb.Table;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly dispatcher: WorldkitDispatcher;
  readonly dispatchSecret: secretsmanager.ISecret;
  /** The role the Vercel app assumes (with `vercel`). */
  readonly vercelRole?: iam.Role;
  /** The environment the Vercel project needs, except `WORLDKIT_DISPATCH_SECRET`. */
  readonly vercelEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorldkitAwsProps) {
    super(scope, id);
    const timeouts = dispatcherTimeouts(props.dispatcher);
    this.table = new WorldkitTable(this, 'Table', props.table).table;
    const queue = new WorldkitQueue(this, 'Queue', {
      ...props.queue,
      visibilityTimeout: timeouts.visibilityTimeout,
    });
    this.queue = queue.queue;
    this.deadLetterQueue = queue.deadLetterQueue;
    this.dispatchSecret = dispatchSecretFor(this, props.dispatchSecret);

    const worldEnvironment = {
      [DYNAMODB_TABLE_ENV]: this.table.tableName,
      // The table is CloudFormation's; neither process may create or change it.
      [DYNAMODB_AUTO_SETUP_ENV]: 'false',
      ...queueEnvironment(queue),
    };

    this.dispatcher = new WorldkitDispatcher(this, 'Dispatcher', {
      ...props.dispatcher,
      queue,
      timeouts,
      dispatchSecret: this.dispatchSecret,
      worldEnvironment,
      storageStatements: [
        new iam.PolicyStatement({
          sid: 'ReadVersions',
          actions: [...TABLE_VERSION_READ_ACTIONS],
          resources: [this.table.tableArn],
        }),
      ],
    });

    this.vercelEnvironment = { [REGION_ENV]: Stack.of(this).region, ...worldEnvironment };
    if (props.vercel) {
      this.vercelRole = new VercelOidcRole(this, 'Vercel', {
        ...props.vercel,
        statements: [
          new iam.PolicyStatement({
            sid: 'WorkflowTable',
            actions: [...TABLE_READ_WRITE_ACTIONS],
            resources: [this.table.tableArn, `${this.table.tableArn}/index/*`],
          }),
          new iam.PolicyStatement({
            sid: 'WorkflowQueueSend',
            actions: [...QUEUE_SEND_ACTIONS],
            resources: [this.queue.queueArn],
          }),
        ],
      }).role;
      this.vercelEnvironment[ROLE_ARN_ENV] = this.vercelRole.roleArn;
    }

    if (props.outputs ?? true) {
      addOutputs(this, this.vercelEnvironment, {
        DispatchSecretArn: {
          value: this.dispatchSecret.secretArn,
          description: 'Secrets Manager secret holding WORLDKIT_DISPATCH_SECRET',
        },
        DispatcherFunctionName: {
          value: this.dispatcher.function.functionName,
          description: 'The dispatcher Lambda',
        },
      });
    }
  }
}
