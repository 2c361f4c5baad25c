import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dispatchSecretFor } from './dispatch-secret.js';
import { QUEUE_SEND_ACTIONS } from './permissions.js';
import { VercelOidcRole, type VercelProjectProps } from './vercel-oidc-role.js';
import {
  addOutputs,
  POSTGRES_URL_ENV,
  queueEnvironment,
  REGION_ENV,
  ROLE_ARN_ENV,
} from './world-environment.js';
import type { QueueOptions } from './worldkit-aws.js';
import {
  type DispatcherOptions,
  dispatcherTimeouts,
  WorldkitDispatcher,
} from './worldkit-dispatcher.js';
import { WorldkitQueue } from './worldkit-queue.js';

/**
 * Characters a generated password never contains: everything but letters, digits and `-._~`,
 * so it goes into a `postgres://user:password@host/db` URL unescaped.
 */
export const PASSWORD_EXCLUDED_CHARACTERS = ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}';

export const POSTGRES_PORT = 5432;

/** Lambda's bundle of Amazon CA certificates (RDS included); Node.js 20+ runtimes skip it unless named. */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export interface WorldkitDatabaseOptions {
  /** Default `db.t4g.micro`. */
  instanceType?: ec2.InstanceType;
  /** Default PostgreSQL 17 (latest minor). */
  engineVersion?: rds.PostgresEngineVersion;
  /** GiB, default 20 (gp3). */
  allocatedStorage?: number;
  /** Default `false`. */
  multiAz?: boolean;
  /** Default `worldkit`. */
  databaseName?: string;
  /** Default `worldkit`; the password is generated into Secrets Manager. */
  username?: string;
  /** Default 7 days. */
  backupRetention?: Duration;
  /** Default `RemovalPolicy.SNAPSHOT`. */
  removalPolicy?: RemovalPolicy;
  /** Default `true`. */
  deletionProtection?: boolean;
  /**
   * Networks the Vercel app connects from, allowed on the database port: the CIDR of a peered
   * VPC or of Vercel Secure Compute. Default none (only the dispatcher reaches the database).
   */
  appPeers?: ec2.IPeer[];
  /** Default: isolated subnets of the created VPC, or private subnets of a given one. */
  subnets?: ec2.SubnetSelection;
}

export interface WorldkitAwsPostgresProps {
  dispatcher: DispatcherOptions;
  vercel?: VercelProjectProps;
  /** Default: a new VPC over two AZs with one NAT gateway (the dispatcher calls Vercel and SQS). */
  vpc?: ec2.IVpc;
  /** Subnets of the dispatcher; they need a route out (NAT). Default: private with egress. */
  dispatcherSubnets?: ec2.SubnetSelection;
  database?: WorldkitDatabaseOptions;
  queue?: QueueOptions;
  dispatchSecret?: secretsmanager.ISecret;
  /** Default `true`. */
  outputs?: boolean;
}

/**
 * The PostgreSQL variant: `@worldkit/postgres` (storage, versions, streamer) on Amazon RDS in a
 * VPC, the queue on SQS (`@worldkit/sqs`, so the dispatcher is the same Lambda on the same event
 * source), and the dispatcher in the VPC. Its security group reaches the database on its port
 * and HTTPS, nothing else; the database accepts the dispatcher (and `appPeers`) only.
 * Credentials are generated into Secrets Manager; the dispatcher's connection string is
 * assembled from them by CloudFormation at deploy time and verifies the server's certificate.
 */
export class WorldkitAwsPostgres extends Construct {
  readonly vpc: ec2.IVpc;
  readonly database: rds.DatabaseInstance;
  /** `{ username, password, host, port, dbname, … }` as RDS writes it. */
  readonly databaseSecret: secretsmanager.ISecret;
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  readonly dispatcherSecurityGroup: ec2.SecurityGroup;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly dispatcher: WorldkitDispatcher;
  readonly dispatchSecret: secretsmanager.ISecret;
  readonly vercelRole?: iam.Role;
  /** The environment the Vercel project needs, except the database URL and dispatch secret. */
  readonly vercelEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorldkitAwsPostgresProps) {
    super(scope, id);
    const timeouts = dispatcherTimeouts(props.dispatcher);
    const options = props.database ?? {};
    const ownVpc = props.vpc === undefined;
    this.vpc =
      props.vpc ??
      new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
          { name: 'dispatcher', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
          { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        ],
      });

    this.dispatcherSecurityGroup = new ec2.SecurityGroup(this, 'DispatcherSecurityGroup', {
      vpc: this.vpc,
      description: 'Worldkit dispatcher: HTTPS out (Vercel, SQS), PostgreSQL to the database',
      allowAllOutbound: false,
    });
    this.dispatcherSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: signed deliveries to Vercel, SQS',
    );
    this.databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: this.vpc,
      description: 'Worldkit PostgreSQL: the dispatcher and the app networks only',
      allowAllOutbound: false,
    });

    const username = options.username ?? 'worldkit';
    const databaseName = options.databaseName ?? 'worldkit';
    this.database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({
        version: options.engineVersion ?? rds.PostgresEngineVersion.VER_17,
      }),
      vpc: this.vpc,
      vpcSubnets:
        options.subnets ??
        (ownVpc
          ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }
          : { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }),
      securityGroups: [this.databaseSecurityGroup],
      instanceType:
        options.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      credentials: rds.Credentials.fromGeneratedSecret(username, {
        excludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      }),
      databaseName,
      port: POSTGRES_PORT,
      allocatedStorage: options.allocatedStorage ?? 20,
      storageType: rds.StorageType.GP3,
      storageEncrypted: true,
      multiAz: options.multiAz ?? false,
      publiclyAccessible: false,
      backupRetention: options.backupRetention ?? Duration.days(7),
      deletionProtection: options.deletionProtection ?? true,
      removalPolicy: options.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
    });
    if (!this.database.secret) throw new Error('@worldkit/aws-cdk: RDS created no secret');
    this.databaseSecret = this.database.secret;
    // A literal port (not the instance's Endpoint.Port attribute), so the rules read 5432.
    const databasePort = ec2.Port.tcp(POSTGRES_PORT);
    this.database.connections.allowFrom(
      this.dispatcherSecurityGroup,
      databasePort,
      'Worldkit dispatcher',
    );
    for (const peer of options.appPeers ?? []) {
      this.database.connections.allowFrom(peer, databasePort, 'Worldkit app (Vercel)');
    }

    const queue = new WorldkitQueue(this, 'Queue', {
      ...props.queue,
      visibilityTimeout: timeouts.visibilityTimeout,
    });
    this.queue = queue.queue;
    this.deadLetterQueue = queue.deadLetterQueue;
    this.dispatchSecret = dispatchSecretFor(this, props.dispatchSecret);

    const password = this.databaseSecret.secretValueFromJson('password').unsafeUnwrap();
    const address = this.database.dbInstanceEndpointAddress;
    const port = POSTGRES_PORT;
    this.dispatcher = new WorldkitDispatcher(this, 'Dispatcher', {
      ...props.dispatcher,
      queue,
      timeouts,
      dispatchSecret: this.dispatchSecret,
      worldEnvironment: {
        [POSTGRES_URL_ENV]: `postgres://${username}:${password}@${address}:${port}/${databaseName}?sslmode=verify-full`,
        // verify-full checks the RDS certificate against Amazon's CAs, which Lambda ships here.
        NODE_EXTRA_CA_CERTS: LAMBDA_CA_BUNDLE,
        ...queueEnvironment(queue),
      },
      // The database is reached with its password, not IAM: no storage statements.
      storageStatements: [],
      vpc: this.vpc,
      vpcSubnets: props.dispatcherSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.dispatcherSecurityGroup],
    });

    this.vercelEnvironment = { [REGION_ENV]: Stack.of(this).region, ...queueEnvironment(queue) };
    if (props.vercel) {
      this.vercelRole = new VercelOidcRole(this, 'Vercel', {
        ...props.vercel,
        statements: [
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
        DatabaseSecretArn: {
          value: this.databaseSecret.secretArn,
          description: 'Secrets Manager secret with the database credentials (JSON)',
        },
        DatabaseEndpoint: {
          value: `${address}:${port}`,
          description: 'PostgreSQL endpoint (inside the VPC)',
        },
        DispatcherFunctionName: {
          value: this.dispatcher.function.functionName,
          description: 'The dispatcher Lambda',
        },
      });
    }
  }
}
