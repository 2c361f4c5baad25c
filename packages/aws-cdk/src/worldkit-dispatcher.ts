import { REQUEST_TIMEOUT_ENV, SECRET_ENV } from '@worldkit/http';
import { Annotations, Duration, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  LOG_WRITE_ACTIONS,
  QUEUE_EVENT_SOURCE_ACTIONS,
  QUEUE_SEND_ACTIONS,
} from './permissions.js';
import type { WorldkitQueue } from './worldkit-queue.js';

/** How the dispatcher Lambda is built and scaled. Everything but the code has a default. */
export interface DispatcherOptions {
  /**
   * The handler's code, already built: e.g. `lambda.Code.fromAsset('dist/dispatcher')` holding
   * a bundle of a file that exports `createSqsLambdaHandler(world)` (see docs/deploying-to-aws.md).
   * Either this or `entry`.
   */
  code?: lambda.Code;
  /**
   * A `.ts`, `.mts`, `.js` or `.mjs` file exporting the handler, bundled with esbuild at synth
   * (`NodejsFunction`: needs `esbuild` installed in the CDK app, or Docker). Either this or `code`.
   */
  entry?: string;
  /**
   * With `code`: `<file>.<export>`, default `index.handler`. With `entry`: the export's name,
   * default `handler`.
   */
  handler?: string;
  /** With `entry`: esbuild options, merged over ESM output with the AWS SDK bundled in. */
  bundling?: nodejs.BundlingOptions;
  /** With `entry`: the lock file that marks the project root (default: found upwards). */
  depsLockFilePath?: string;
  /** A Node.js runtime, 20 or later. Default Node.js 22. */
  runtime?: lambda.Runtime;
  /** Default: Lambda's (x86_64). */
  architecture?: lambda.Architecture;
  /** Default 512 MB: the dispatcher mostly waits on HTTP answers. */
  memorySize?: number;
  /**
   * Function timeout. Default 6 minutes: one batch's deliveries run concurrently, each up to
   * `dispatchTimeout`. Must be longer than `dispatchTimeout`.
   */
  timeout?: Duration;
  /**
   * How long one signed POST waits for the app's answer (`WORLDKIT_DISPATCH_TIMEOUT_MS`). A step
   * runs inside that request, so this must outlast the longest step and the Vercel function's
   * own `maxDuration`. Default 5 minutes.
   */
  dispatchTimeout?: Duration;
  /**
   * The queue's visibility timeout. Default six times `timeout`, as AWS recommends for Lambda
   * event sources; it may not be shorter than `timeout`.
   */
  visibilityTimeout?: Duration;
  /** Records per invocation (1–10 without `maxBatchingWindow`). Default 10. */
  batchSize?: number;
  /** Wait up to this long to fill a batch. Default none. */
  maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the event source starts (2–1000). Default 10. This bounds the
   * POSTs in flight towards the app at `maxConcurrency × batchSize`.
   */
  maxConcurrency?: number;
  /** More environment variables (e.g. `WORLDKIT_REDIS_URL` for a Redis streamer in the config). */
  environment?: Record<string, string>;
  /**
   * Environment variables whose values come from Secrets Manager, resolved by CloudFormation at
   * deploy time (`{{resolve:secretsmanager:…}}`): the value is never in the template or in
   * `cdk.out`, but it is in the function's configuration. A `{ secret, field }` reads one JSON
   * field of the secret.
   */
  secretEnvironment?: Record<string, secretsmanager.ISecret | SecretField>;
  /** Default one month. */
  logRetention?: logs.RetentionDays;
}

/** One JSON field of a secret, e.g. `{ secret: redisSecret, field: 'url' }`. */
export interface SecretField {
  secret: secretsmanager.ISecret;
  field: string;
}

/** The timeouts a dispatcher and its queue use, checked against each other. */
export interface DispatcherTimeouts {
  timeout: Duration;
  dispatchTimeout: Duration;
  visibilityTimeout: Duration;
}

export const DEFAULT_DISPATCHER_TIMEOUT = Duration.minutes(6);
export const DEFAULT_DISPATCH_TIMEOUT = Duration.minutes(5);
/** AWS: "set the source queue's visibility timeout to at least six times the function timeout". */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Works out (and checks) the function timeout, the per-delivery HTTP timeout and the queue's
 * visibility timeout. Throws when a delivery could outlive the invocation running it, or a
 * message could reappear while its invocation still runs.
 */
export function dispatcherTimeouts(options: DispatcherOptions): DispatcherTimeouts {
  const timeout = options.timeout ?? DEFAULT_DISPATCHER_TIMEOUT;
  const dispatchTimeout = options.dispatchTimeout ?? DEFAULT_DISPATCH_TIMEOUT;
  const timeoutSeconds = timeout.toSeconds();
  if (dispatchTimeout.toMilliseconds() >= timeout.toMilliseconds()) {
    throw new Error(
      `@worldkit/aws-cdk: dispatchTimeout (${dispatchTimeout.toHumanString()}) must be shorter than the dispatcher's timeout (${timeout.toHumanString()}): a delivery may not outlive the invocation that runs it`,
    );
  }
  const visibilityTimeout =
    options.visibilityTimeout ??
    Duration.seconds(Math.min(timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR, MAX_VISIBILITY_SECONDS));
  if (visibilityTimeout.toSeconds() < timeoutSeconds) {
    throw new Error(
      `@worldkit/aws-cdk: visibilityTimeout (${visibilityTimeout.toHumanString()}) must be at least the dispatcher's timeout (${timeout.toHumanString()}); AWS recommends ${VISIBILITY_TIMEOUT_FACTOR} times it`,
    );
  }
  return { timeout, dispatchTimeout, visibilityTimeout };
}

export interface WorldkitDispatcherProps extends DispatcherOptions {
  queue: WorldkitQueue;
  timeouts: DispatcherTimeouts;
  /** The shared HMAC secret (`WORLDKIT_DISPATCH_SECRET`), a plain string secret. */
  dispatchSecret: secretsmanager.ISecret;
  /** Environment the composition needs (table name, queue URLs, …). */
  worldEnvironment: Record<string, string>;
  /** Statements for the storage side (the table, …); queue and log statements are added here. */
  storageStatements: iam.PolicyStatement[];
  vpc?: ec2.IVpc;
  vpcSubnets?: ec2.SubnetSelection;
  securityGroups?: ec2.ISecurityGroup[];
}

/**
 * The dispatcher: a Lambda function on the SQS queue (`ReportBatchItemFailures` on) that
 * delivers each message, signed, to the app of its run's version. Its role holds exactly what
 * the event source and the handler call, on these resources only.
 */
export class WorldkitDispatcher extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly eventSourceMapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, props: WorldkitDispatcherProps) {
    super(scope, id);
    if ((props.code === undefined) === (props.entry === undefined)) {
      throw new Error('@worldkit/aws-cdk: give the dispatcher either `code` or `entry`');
    }
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_22_X;
    if (runtime.family !== lambda.RuntimeFamily.NODEJS || /^nodejs1\d/.test(runtime.name)) {
      throw new Error(
        `@worldkit/aws-cdk: the dispatcher needs a Node.js runtime, 20 or later (got ${runtime.name})`,
      );
    }
    const maxConcurrency = props.maxConcurrency ?? 10;
    const { queue, deadLetterQueue } = props.queue;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    const statements = [
      ...props.storageStatements,
      new iam.PolicyStatement({
        sid: 'QueueEventSource',
        actions: [...QUEUE_EVENT_SOURCE_ACTIONS],
        resources: [queue.queueArn],
      }),
      new iam.PolicyStatement({
        sid: 'QueueSend',
        actions: [...QUEUE_SEND_ACTIONS],
        resources: [queue.queueArn, deadLetterQueue.queueArn],
      }),
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: [...LOG_WRITE_ACTIONS],
        resources: [this.logGroup.logGroupArn],
      }),
    ];
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Worldkit dispatcher: consumes the workflow queue, reads version records',
      // Inline, so the permissions exist before the event source mapping is created.
      inlinePolicies: { Dispatcher: new iam.PolicyDocument({ statements }) },
      // Lambda manages the network interfaces of a function in a VPC with this AWS-managed
      // policy (its ec2:Describe* actions cannot be scoped to resources).
      managedPolicies: props.vpc
        ? [
            iam.ManagedPolicy.fromAwsManagedPolicyName(
              'service-role/AWSLambdaVPCAccessExecutionRole',
            ),
          ]
        : undefined,
    });

    const environment = this.environment(props);
    const common = {
      runtime,
      architecture: props.architecture,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeouts.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      description: 'Worldkit dispatcher: delivers each queued message to its version',
    } satisfies Partial<lambda.FunctionProps>;

    this.function = props.code
      ? new lambda.Function(this, 'Function', {
          ...common,
          code: props.code,
          handler: props.handler ?? 'index.handler',
        })
      : new nodejs.NodejsFunction(this, 'Function', {
          ...common,
          entry: props.entry,
          handler: props.handler ?? 'handler',
          depsLockFilePath: props.depsLockFilePath,
          bundling: {
            format: nodejs.OutputFormat.ESM,
            target: `node${runtime.name.replace(/^nodejs(\d+).*$/, '$1')}`,
            // The providers pin recent AWS SDK clients; the runtime's own copy may be older.
            externalModules: [],
            mainFields: ['module', 'main'],
            // CommonJS dependencies inside an ES module bundle still call require().
            banner:
              "import { createRequire as __worldkitCreateRequire } from 'node:module'; const require = __worldkitCreateRequire(import.meta.url);",
            sourceMap: true,
            ...props.bundling,
          },
        });

    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'QueueEvents', {
      target: this.function,
      eventSourceArn: queue.queueArn,
      batchSize: props.batchSize ?? 10,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency,
      // One failed record is handed out again alone, not with its whole batch.
      reportBatchItemFailures: true,
    });

    const recommended = props.timeouts.timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
    if (
      props.timeouts.visibilityTimeout.toSeconds() < Math.min(recommended, MAX_VISIBILITY_SECONDS)
    ) {
      Annotations.of(this).addWarningV2(
        '@worldkit/aws-cdk:visibility',
        `The queue's visibility timeout is under ${VISIBILITY_TIMEOUT_FACTOR}× the dispatcher's timeout, which AWS recommends for Lambda event sources`,
      );
    }
  }

  private environment(props: WorldkitDispatcherProps): Record<string, string> {
    const managed: Record<string, string> = {
      ...props.worldEnvironment,
      [SECRET_ENV]: props.dispatchSecret.secretValue.unsafeUnwrap(),
      [REQUEST_TIMEOUT_ENV]: String(props.timeouts.dispatchTimeout.toMilliseconds()),
    };
    const extra: Record<string, string> = { ...props.environment };
    for (const [name, source] of Object.entries(props.secretEnvironment ?? {})) {
      extra[name] =
        'field' in source
          ? source.secret.secretValueFromJson(source.field).unsafeUnwrap()
          : source.secretValue.unsafeUnwrap();
    }
    const clashes = Object.keys(extra).filter((name) => name in managed);
    if (clashes.length > 0) {
      throw new Error(
        `@worldkit/aws-cdk: the dispatcher sets ${clashes.join(', ')} itself; use the construct's options instead`,
      );
    }
    for (const [name, value] of Object.entries(extra)) {
      if (!Token.isUnresolved(name) && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new Error(`@worldkit/aws-cdk: "${name}" is not an environment variable name`);
      }
      managed[name] = value;
    }
    return managed;
  }
}
