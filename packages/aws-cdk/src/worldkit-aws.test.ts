import { fileURLToPath } from 'node:url';
import { resolveDynamoDbSettings } from '@worldkit/dynamodb';
import { resolveHttpComputeSettings } from '@worldkit/http';
import { DEFAULT_MAX_RECEIVE_COUNT, resolveSqsSettings, setupSqsQueue } from '@worldkit/sqs';
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  asList,
  inlineCode,
  inlineStatements,
  resolveIntrinsics,
  resourceNamed,
  resources,
  type Statement,
  synth,
  TEST_ENV,
} from './test-support/template.js';
import { WorldkitAws, type WorldkitAwsProps } from './worldkit-aws.js';

const VERCEL = { teamSlug: 'acme', projectName: 'shop', environments: ['production', 'preview'] };

function build(overrides: Partial<WorldkitAwsProps> = {}, context: Record<string, unknown> = {}) {
  let world: WorldkitAws | undefined;
  const result = synth((stack) => {
    world = new WorldkitAws(stack, 'Worldkit', {
      dispatcher: { code: inlineCode() },
      vercel: VERCEL,
      ...overrides,
    });
  }, context);
  return { ...result, world: world! };
}

/** The logical id of the one resource of a type whose id contains `part`. */
const idOf = (template: ReturnType<typeof build>['template'], type: string, part: string) =>
  resourceNamed(template, type, part)[0];

/** `{ "Fn::GetAtt": [id, "Arn"] }` */
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

interface CreateQueueInput {
  QueueName: string;
  Attributes: Record<string, string>;
}

/** The queues `@worldkit/sqs`'s own `setupSqsQueue` creates, by name, from a stand-in client. */
async function queuesThePackageCreates(): Promise<Record<string, CreateQueueInput>> {
  const created: Record<string, CreateQueueInput> = {};
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input;
      switch (command.constructor.name) {
        case 'CreateQueueCommand':
          created[input.QueueName as string] = input as unknown as CreateQueueInput;
          return {
            QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${input.QueueName}`,
          };
        case 'GetQueueAttributesCommand':
          return { Attributes: { QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:workflows-dlq' } };
        default:
          throw new Error(`setupSqsQueue sent ${command.constructor.name}`);
      }
    },
  };
  await setupSqsQueue(client as never, {
    queueName: 'workflows',
    deadLetterQueueName: 'workflows-dlq',
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT,
  });
  return created;
}

describe('WorldkitAws (DynamoDB + SQS + dispatcher + Vercel role)', () => {
  let built: ReturnType<typeof build>;
  let ids: { table: string; queue: string; dlq: string; fn: string; logs: string; secret: string };

  afterEach(() => vi.unstubAllEnvs());

  beforeAll(() => {
    built = build();
    const { template } = built;
    ids = {
      table: idOf(template, 'AWS::DynamoDB::Table', 'Table'),
      queue: idOf(template, 'AWS::SQS::Queue', 'QueueMain'),
      dlq: idOf(template, 'AWS::SQS::Queue', 'QueueDeadLetter'),
      fn: idOf(template, 'AWS::Lambda::Function', 'DispatcherFunction'),
      logs: idOf(template, 'AWS::Logs::LogGroup', 'DispatcherLogs'),
      secret: idOf(template, 'AWS::SecretsManager::Secret', 'DispatchSecret'),
    };
  });

  describe('queue and dead-letter queue', () => {
    it('have the attributes setupSqsQueue applies, and the main queue redrives to the DLQ', async () => {
      const expected = await queuesThePackageCreates();
      const queue = resourceNamed(built.template, 'AWS::SQS::Queue', 'QueueMain')[1]
        .Properties as Record<string, unknown>;
      const dlq = resourceNamed(built.template, 'AWS::SQS::Queue', 'QueueDeadLetter')[1]
        .Properties as Record<string, unknown>;
      const main = expected.workflows!.Attributes;
      const dead = expected['workflows-dlq']!.Attributes;

      expect(queue.RedrivePolicy).toEqual({
        deadLetterTargetArn: arnOf(ids.dlq),
        maxReceiveCount: JSON.parse(main.RedrivePolicy!).maxReceiveCount,
      });
      expect(queue.RedrivePolicy).toMatchObject({ maxReceiveCount: 10 });
      for (const [properties, attributes] of [
        [queue, main],
        [dlq, dead],
      ] as const) {
        expect(String(properties.MessageRetentionPeriod)).toBe(attributes.MessageRetentionPeriod);
        expect(String(properties.MaximumMessageSize)).toBe(attributes.MaximumMessageSize);
      }
      expect(queue.MessageRetentionPeriod).toBe(1_209_600);
      expect(dlq.RedrivePolicy).toBeUndefined();
      // Standard queues: FIFO ones cannot delay single messages.
      expect(queue.FifoQueue).toBeUndefined();
    });

    it('hides a message for six times the function timeout', () => {
      const fn = resourceNamed(built.template, 'AWS::Lambda::Function', 'DispatcherFunction')[1];
      const timeout = (fn.Properties as { Timeout: number }).Timeout;
      const queue = resourceNamed(built.template, 'AWS::SQS::Queue', 'QueueMain')[1];
      const visibility = (queue.Properties as { VisibilityTimeout: number }).VisibilityTimeout;
      expect(timeout).toBe(360);
      expect(visibility).toBe(6 * 360);
      expect(visibility).toBeGreaterThanOrEqual(timeout);
    });

    it('refuses requests without TLS', () => {
      const policies = Object.values(resources(built.template, 'AWS::SQS::QueuePolicy'));
      expect(policies).toHaveLength(2);
      for (const policy of policies) {
        expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
      }
    });
  });

  describe('dispatcher', () => {
    it('runs on Node.js 22 with the timeouts checked against each other', () => {
      built.template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Timeout: 360,
        MemorySize: 512,
        LoggingConfig: { LogGroup: { Ref: ids.logs } },
      });
    });

    it('is fed by the queue with partial batch failures, a batch size and a concurrency cap', () => {
      const mappings = Object.values(resources(built.template, 'AWS::Lambda::EventSourceMapping'));
      expect(mappings).toHaveLength(1);
      expect(mappings[0]!.Properties).toEqual({
        EventSourceArn: arnOf(ids.queue),
        FunctionName: { Ref: ids.fn },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 10 },
      });
    });

    it('gets an environment the providers resolve to these resources', () => {
      const fn = resourceNamed(built.template, 'AWS::Lambda::Function', 'DispatcherFunction')[1];
      const variables = (fn.Properties as { Environment: { Variables: Record<string, unknown> } })
        .Environment.Variables;
      const values = {
        [ids.table]: 'acme-workflows',
        [ids.queue]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/workflows',
        [ids.dlq]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/workflows-dlq',
        [ids.secret]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dispatch',
      };
      const env = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [name, resolveIntrinsics(value, values)]),
      );
      expect(Object.keys(env).sort()).toEqual([
        'WORLDKIT_DISPATCH_SECRET',
        'WORLDKIT_DISPATCH_TIMEOUT_MS',
        'WORLDKIT_DYNAMODB_AUTO_SETUP',
        'WORLDKIT_DYNAMODB_TABLE',
        'WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL',
        'WORLDKIT_SQS_POLL',
        'WORLDKIT_SQS_QUEUE_URL',
      ]);
      // The secret's value is resolved by CloudFormation at deploy time: never in the template.
      expect(env.WORLDKIT_DISPATCH_SECRET).toBe(
        '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:dispatch:SecretString:::}}',
      );

      for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
      expect(resolveDynamoDbSettings()).toMatchObject({
        table: 'acme-workflows',
        autoSetup: false,
      });
      expect(resolveSqsSettings()).toMatchObject({
        queueUrl: values[ids.queue],
        deadLetterQueueUrl: values[ids.dlq],
        poll: false,
      });
      // Shorter than the function timeout (360 s), so a delivery never outlives its invocation.
      expect(resolveHttpComputeSettings()).toMatchObject({ requestTimeoutMs: 300_000 });
    });

    it('has exactly the permissions the event source and the handler use, on these resources', () => {
      const role = resourceNamed(built.template, 'AWS::IAM::Role', 'DispatcherRole')[1];
      expect(inlineStatements(role)).toEqual({
        ReadVersions: {
          Sid: 'ReadVersions',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: arnOf(ids.table),
        },
        QueueEventSource: {
          Sid: 'QueueEventSource',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: arnOf(ids.queue),
        },
        QueueSend: {
          Sid: 'QueueSend',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: [arnOf(ids.queue), arnOf(ids.dlq)],
        },
        Logs: {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: arnOf(ids.logs),
        },
      });
      // Outside a VPC it needs no managed policy (not even AWSLambdaBasicExecutionRole).
      expect((role.Properties as Record<string, unknown>).ManagedPolicyArns).toBeUndefined();
      expect(role.Properties).toMatchObject({
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
            },
          ],
        },
      });
    });

    it('is the only consumer: nothing else in the stack grants anything', () => {
      // No CDK-generated DefaultPolicy or stray grants next to the two roles' inline policies.
      expect(resources(built.template, 'AWS::IAM::Policy')).toEqual({});
      expect(Object.keys(resources(built.template, 'AWS::IAM::Role')).sort()).toEqual([
        expect.stringContaining('DispatcherRole'),
        expect.stringContaining('VercelRole'),
      ]);
    });
  });

  describe('Vercel OIDC', () => {
    it('creates the provider for the team issuer and audience', () => {
      const providers = Object.values(resources(built.template, 'AWS::IAM::OIDCProvider'));
      expect(providers).toHaveLength(1);
      expect(providers[0]!.Properties).toEqual({
        Url: 'https://oidc.vercel.com/acme',
        ClientIdList: ['https://vercel.com/acme'],
      });
    });

    it("trusts only the project's environments, with the team's audience", () => {
      const provider = idOf(built.template, 'AWS::IAM::OIDCProvider', 'Provider');
      const role = resourceNamed(built.template, 'AWS::IAM::Role', 'VercelRole')[1];
      expect((role.Properties as Record<string, unknown>).AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: { Ref: provider } },
            Condition: {
              StringEquals: {
                'oidc.vercel.com/acme:aud': 'https://vercel.com/acme',
                'oidc.vercel.com/acme:sub': [
                  'owner:acme:project:shop:environment:production',
                  'owner:acme:project:shop:environment:preview',
                ],
              },
            },
          },
        ],
      });
      expect((role.Properties as Record<string, unknown>).MaxSessionDuration).toBe(3600);
    });

    it('lets the app read and write the table and send to the queue, nothing more', () => {
      const role = resourceNamed(built.template, 'AWS::IAM::Role', 'VercelRole')[1];
      expect(inlineStatements(role)).toEqual({
        WorkflowTable: {
          Sid: 'WorkflowTable',
          Effect: 'Allow',
          Action: [
            'dynamodb:GetItem',
            'dynamodb:Query',
            'dynamodb:BatchGetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:ConditionCheckItem',
          ],
          Resource: [arnOf(ids.table), { 'Fn::Join': ['', [arnOf(ids.table), '/index/*']] }],
        },
        WorkflowQueueSend: {
          Sid: 'WorkflowQueueSend',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: arnOf(ids.queue),
        },
      });
      expect((role.Properties as Record<string, unknown>).ManagedPolicyArns).toBeUndefined();
    });

    it('uses an existing provider when given its ARN', () => {
      const arn = 'arn:aws:iam::123456789012:oidc-provider/oidc.vercel.com/acme';
      const { template } = build({ vercel: { ...VERCEL, oidcProviderArn: arn } });
      expect(resources(template, 'AWS::IAM::OIDCProvider')).toEqual({});
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Federated: arn } })],
        },
      });
    });

    it('creates no role without a Vercel project', () => {
      const { template, world } = build({ vercel: undefined });
      expect(world.vercelRole).toBeUndefined();
      expect(Object.keys(resources(template, 'AWS::IAM::Role'))).toEqual([
        expect.stringContaining('DispatcherRole'),
      ]);
      expect(resources(template, 'AWS::IAM::OIDCProvider')).toEqual({});
    });

    it('refuses slugs and projects that are not Vercel names, and tokens', () => {
      expect(() => build({ vercel: { ...VERCEL, teamSlug: 'Acme Inc' } })).toThrow(/teamSlug/);
      expect(() => build({ vercel: { ...VERCEL, projectName: 'shop:*' } })).toThrow(/projectName/);
      expect(() => build({ vercel: { ...VERCEL, environments: [] } })).toThrow(/environment/);
      expect(() => build({ vercel: { ...VERCEL, environments: ['*'] } })).toThrow(/environments/);
    });
  });

  it('no role statement allows a wildcard action or resource', () => {
    for (const role of Object.values(resources(built.template, 'AWS::IAM::Role'))) {
      for (const statement of Object.values(inlineStatements(role)) as Statement[]) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asList(statement.Action)) expect(action).not.toMatch(/\*/);
        for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
      }
    }
  });

  it('outputs what the Vercel project needs, including the environment as one JSON object', () => {
    const { world, template } = built;
    expect(Object.keys(world.vercelEnvironment).sort()).toEqual([
      'AWS_REGION',
      'AWS_ROLE_ARN',
      'WORLDKIT_DYNAMODB_AUTO_SETUP',
      'WORLDKIT_DYNAMODB_TABLE',
      'WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL',
      'WORLDKIT_SQS_POLL',
      'WORLDKIT_SQS_QUEUE_URL',
    ]);
    expect(world.vercelEnvironment.AWS_REGION).toBe(TEST_ENV.region);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const json = Object.entries(outputs).find(([id]) => id.includes('VercelEnvironment'))![1];
    const role = idOf(template, 'AWS::IAM::Role', 'VercelRole');
    const parsed = JSON.parse(
      resolveIntrinsics(json.Value, {
        [ids.table]: 'acme-workflows',
        [ids.queue]: 'https://queue',
        [ids.dlq]: 'https://dlq',
        [`${role}.Arn`]: 'arn:aws:iam::123456789012:role/app',
      }),
    );
    expect(parsed).toEqual({
      AWS_REGION: 'eu-west-1',
      WORLDKIT_DYNAMODB_TABLE: 'acme-workflows',
      WORLDKIT_DYNAMODB_AUTO_SETUP: 'false',
      WORLDKIT_SQS_QUEUE_URL: 'https://queue',
      WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL: 'https://dlq',
      WORLDKIT_SQS_POLL: 'false',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/app',
    });
    expect(JSON.stringify(outputs)).not.toContain('resolve:secretsmanager');
  });

  describe('options', () => {
    it('scales the queue visibility with the function timeout', () => {
      const { template } = build({
        dispatcher: {
          code: inlineCode(),
          timeout: Duration.minutes(14),
          dispatchTimeout: Duration.minutes(13),
          batchSize: 5,
          maxConcurrency: 50,
          maxBatchingWindow: Duration.seconds(2),
        },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 14 * 60 });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Timeout: 14 * 60,
        Environment: { Variables: Match.objectLike({ WORLDKIT_DISPATCH_TIMEOUT_MS: '780000' }) },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        BatchSize: 5,
        MaximumBatchingWindowInSeconds: 2,
        ScalingConfig: { MaximumConcurrency: 50 },
      });
    });

    it('refuses timeouts that let a delivery outlive its invocation or reappear while it runs', () => {
      expect(() =>
        build({ dispatcher: { code: inlineCode(), dispatchTimeout: Duration.minutes(6) } }),
      ).toThrow(/dispatchTimeout .* must be shorter/);
      expect(() =>
        build({ dispatcher: { code: inlineCode(), visibilityTimeout: Duration.minutes(5) } }),
      ).toThrow(/visibilityTimeout .* must be at least/);
    });

    it('warns when the visibility timeout is under six times the function timeout', () => {
      const { stack } = build({
        dispatcher: { code: inlineCode(), visibilityTimeout: Duration.minutes(10) },
      });
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('visibility timeout'));
    });

    it('takes more variables, some from secrets, and refuses to override its own', () => {
      const { template } = synth((stack) => {
        const redis = new secretsmanager.Secret(stack, 'Redis');
        const token = new secretsmanager.Secret(stack, 'Token');
        new WorldkitAws(stack, 'Worldkit', {
          dispatcher: {
            code: inlineCode(),
            environment: { WORLDKIT_LOG_LEVEL: 'info' },
            secretEnvironment: {
              WORLDKIT_REDIS_URL: { secret: redis, field: 'url' },
              API_TOKEN: token,
            },
          },
        });
      });
      const redis = idOf(template, 'AWS::SecretsManager::Secret', 'Redis');
      const token = idOf(template, 'AWS::SecretsManager::Secret', 'Token');
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            WORLDKIT_LOG_LEVEL: 'info',
            WORLDKIT_REDIS_URL: {
              'Fn::Join': [
                '',
                ['{{resolve:secretsmanager:', { Ref: redis }, ':SecretString:url::}}'],
              ],
            },
            API_TOKEN: {
              'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: token }, ':SecretString:::}}']],
            },
          }),
        },
      });
      expect(() =>
        build({
          dispatcher: { code: inlineCode(), environment: { WORLDKIT_SQS_QUEUE_URL: 'elsewhere' } },
        }),
      ).toThrow(/sets WORLDKIT_SQS_QUEUE_URL itself/);
      expect(() =>
        build({ dispatcher: { code: inlineCode(), environment: { 'NOT-A-NAME': 'x' } } }),
      ).toThrow(/not an environment variable name/);
    });

    it('uses a given dispatch secret instead of generating one', () => {
      let secretArn = '';
      const { template } = synth((stack) => {
        const secret = secretsmanager.Secret.fromSecretCompleteArn(
          stack,
          'Existing',
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-dispatch-AbCdEf',
        );
        secretArn = secret.secretArn;
        new WorldkitAws(stack, 'Worldkit', {
          dispatcher: { code: inlineCode() },
          dispatchSecret: secret,
        });
      });
      expect(resources(template, 'AWS::SecretsManager::Secret')).toEqual({});
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            WORLDKIT_DISPATCH_SECRET: `{{resolve:secretsmanager:${secretArn}:SecretString:::}}`,
          }),
        },
      });
    });

    it('needs exactly one of code and entry, and a Node.js 20+ runtime', () => {
      expect(() => build({ dispatcher: {} })).toThrow(/either `code` or `entry`/);
      expect(() => build({ dispatcher: { code: inlineCode(), entry: 'dispatcher.ts' } })).toThrow(
        /either `code` or `entry`/,
      );
      expect(() =>
        build({ dispatcher: { code: inlineCode(), runtime: lambda.Runtime.PYTHON_3_13 } }),
      ).toThrow(/Node\.js runtime/);
      expect(() =>
        build({ dispatcher: { code: inlineCode(), runtime: lambda.Runtime.NODEJS_18_X } }),
      ).toThrow(/20 or later/);
    });

    it('bundles an entry file as an ES module (bundling skipped in this test)', () => {
      const entry = fileURLToPath(new URL('./test-support/dispatcher-entry.ts', import.meta.url));
      const { template } = build(
        { dispatcher: { entry } },
        // What `cdk synth --exclusively` does for other stacks: no esbuild run here.
        { 'aws:cdk:bundling-stacks': [] },
      );
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
      });
    });
  });
});
