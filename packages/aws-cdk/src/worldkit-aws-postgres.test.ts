import { resolvePostgresSettings } from '@worldkit/postgres';
import { resolveSqsSettings } from '@worldkit/sqs';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import pg from 'pg';
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
} from './test-support/template.js';
import { PASSWORD_EXCLUDED_CHARACTERS, WorldkitAwsPostgres } from './worldkit-aws-postgres.js';

const VERCEL = { teamSlug: 'acme', projectName: 'shop' };

function build(props: Partial<ConstructorParameters<typeof WorldkitAwsPostgres>[2]> = {}) {
  let world: WorldkitAwsPostgres | undefined;
  const result = synth((stack) => {
    world = new WorldkitAwsPostgres(stack, 'Worldkit', {
      dispatcher: { code: inlineCode() },
      vercel: VERCEL,
      ...props,
    });
  });
  return { ...result, world: world! };
}

type Built = ReturnType<typeof build>;
const idOf = (built: Built, type: string, part: string) =>
  resourceNamed(built.template, type, part)[0];
const groupId = (id: string) => ({ 'Fn::GetAtt': [id, 'GroupId'] });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('WorldkitAwsPostgres (RDS PostgreSQL + SQS + dispatcher in a VPC)', () => {
  let built: Built;
  let ids: { database: string; dispatcherGroup: string; databaseGroup: string; secret: string };

  afterEach(() => vi.unstubAllEnvs());

  beforeAll(() => {
    built = build();
    ids = {
      database: idOf(built, 'AWS::RDS::DBInstance', 'Database'),
      dispatcherGroup: idOf(built, 'AWS::EC2::SecurityGroup', 'DispatcherSecurityGroup'),
      databaseGroup: idOf(built, 'AWS::EC2::SecurityGroup', 'DatabaseSecurityGroup'),
      secret: idOf(built, 'AWS::SecretsManager::Secret', 'DatabaseSecret'),
    };
  });

  it('runs PostgreSQL on RDS in isolated subnets, encrypted, not public', () => {
    const [, database] = resourceNamed(built.template, 'AWS::RDS::DBInstance', 'Database');
    expect(database.Properties).toMatchObject({
      Engine: 'postgres',
      EngineVersion: '17',
      DBInstanceClass: 'db.t4g.micro',
      DBName: 'worldkit',
      MasterUsername: 'worldkit',
      Port: '5432',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      VPCSecurityGroups: [groupId(ids.databaseGroup)],
    });
    expect(database.DeletionPolicy).toBe('Snapshot');
    const [, subnets] = resourceNamed(built.template, 'AWS::RDS::DBSubnetGroup', 'Database');
    const subnetIds = (subnets.Properties as { SubnetIds: Array<{ Ref: string }> }).SubnetIds;
    expect(subnetIds).toHaveLength(2);
    for (const subnet of subnetIds) expect(subnet.Ref).toMatch(/databaseSubnet/);
  });

  it('keeps the credentials in Secrets Manager, with a password safe inside a URL', () => {
    const [, secret] = resourceNamed(
      built.template,
      'AWS::SecretsManager::Secret',
      'DatabaseSecret',
    );
    expect(secret.Properties).toMatchObject({
      GenerateSecretString: {
        SecretStringTemplate: '{"username":"worldkit"}',
        GenerateStringKey: 'password',
        ExcludeCharacters: PASSWORD_EXCLUDED_CHARACTERS,
      },
    });
    // Every printable ASCII character left is a letter, a digit or URL-unreserved (-._~).
    const allowed = Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index))
      .filter((character) => !PASSWORD_EXCLUDED_CHARACTERS.includes(character))
      .join('');
    expect(allowed.replace(/[A-Za-z0-9]/g, '')).toBe('-.~_'.split('').sort().join(''));
    built.template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      SecretId: { Ref: ids.secret },
      TargetId: { Ref: ids.database },
      TargetType: 'AWS::RDS::DBInstance',
    });
    built.template.hasResourceProperties('AWS::RDS::DBInstance', {
      MasterUserPassword: {
        'Fn::Join': [
          '',
          ['{{resolve:secretsmanager:', { Ref: ids.secret }, ':SecretString:password::}}'],
        ],
      },
    });
  });

  it("lets only the dispatcher's security group reach the database port", () => {
    const ingress = Object.values(resources(built.template, 'AWS::EC2::SecurityGroupIngress'));
    expect(ingress.map((rule) => rule.Properties)).toEqual([
      {
        GroupId: groupId(ids.databaseGroup),
        SourceSecurityGroupId: groupId(ids.dispatcherGroup),
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        Description: 'Worldkit dispatcher',
      },
    ]);
    const [, databaseGroup] = resourceNamed(
      built.template,
      'AWS::EC2::SecurityGroup',
      'DatabaseSecurityGroup',
    );
    expect(JSON.stringify(databaseGroup)).not.toContain('SecurityGroupIngress');
  });

  it('lets the dispatcher out on HTTPS and to the database port only', () => {
    const [, group] = resourceNamed(
      built.template,
      'AWS::EC2::SecurityGroup',
      'DispatcherSecurityGroup',
    );
    expect((group.Properties as { SecurityGroupEgress: unknown[] }).SecurityGroupEgress).toEqual([
      expect.objectContaining({
        CidrIp: '0.0.0.0/0',
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
      }),
    ]);
    const egress = Object.values(resources(built.template, 'AWS::EC2::SecurityGroupEgress'));
    expect(egress.map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        GroupId: groupId(ids.dispatcherGroup),
        DestinationSecurityGroupId: groupId(ids.databaseGroup),
        FromPort: 5432,
        ToPort: 5432,
      }),
    ]);
  });

  it('runs the dispatcher in the private subnets with its security group', () => {
    const [, fn] = resourceNamed(built.template, 'AWS::Lambda::Function', 'DispatcherFunction');
    const vpcConfig = (
      fn.Properties as {
        VpcConfig: { SecurityGroupIds: unknown; SubnetIds: Array<{ Ref: string }> };
      }
    ).VpcConfig;
    expect(vpcConfig.SecurityGroupIds).toEqual([groupId(ids.dispatcherGroup)]);
    expect(vpcConfig.SubnetIds).toHaveLength(2);
    for (const subnet of vpcConfig.SubnetIds) expect(subnet.Ref).toMatch(/dispatcherSubnet/);
    // A route out for HTTPS to Vercel and SQS.
    expect(Object.keys(resources(built.template, 'AWS::EC2::NatGateway'))).toHaveLength(1);
  });

  it('gives the dispatcher a connection string the provider accepts, verifying TLS', () => {
    const [, fn] = resourceNamed(built.template, 'AWS::Lambda::Function', 'DispatcherFunction');
    const variables = (fn.Properties as { Environment: { Variables: Record<string, unknown> } })
      .Environment.Variables;
    const attachment = idOf(built, 'AWS::SecretsManager::SecretTargetAttachment', 'Attachment');
    const queue = idOf(built, 'AWS::SQS::Queue', 'QueueMain');
    const dlq = idOf(built, 'AWS::SQS::Queue', 'QueueDeadLetter');
    const dispatch = idOf(built, 'AWS::SecretsManager::Secret', 'DispatchSecret');
    const env = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        resolveIntrinsics(value, {
          [attachment]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
          [`${ids.database}.Endpoint.Address`]: 'db.abc.eu-west-1.rds.amazonaws.com',
          [queue]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
          [dlq]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q-dlq',
          [dispatch]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dispatch',
        }),
      ]),
    );
    expect(env.WORLDKIT_POSTGRES_URL).toBe(
      'postgres://worldkit:{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:db:SecretString:password::}}@db.abc.eu-west-1.rds.amazonaws.com:5432/worldkit?sslmode=verify-full',
    );
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/var/runtime/ca-cert.pem');

    // What the URL looks like once CloudFormation has put the password in.
    const deployed = env.WORLDKIT_POSTGRES_URL!.replace(/\{\{resolve:[^}]+\}\}/, 'Ab3-x.Y_z~9');
    vi.stubEnv('WORLDKIT_POSTGRES_URL', deployed);
    vi.stubEnv('WORLDKIT_SQS_QUEUE_URL', env.WORLDKIT_SQS_QUEUE_URL!);
    vi.stubEnv('WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL', env.WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL!);
    vi.stubEnv('WORLDKIT_SQS_POLL', env.WORLDKIT_SQS_POLL!);
    expect(resolvePostgresSettings().connectionString).toBe(deployed);
    expect(resolveSqsSettings()).toMatchObject({
      deadLetterQueueUrl: env.WORLDKIT_SQS_DEAD_LETTER_QUEUE_URL,
      poll: false,
    });
    // pg reads the password back unchanged and verifies the server's certificate and name.
    const parsed = new pg.Client({ connectionString: deployed }) as unknown as {
      password: string;
      host: string;
      port: number;
      database: string;
      ssl: unknown;
    };
    expect(parsed).toMatchObject({
      password: 'Ab3-x.Y_z~9',
      host: 'db.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      database: 'worldkit',
    });
    expect(parsed.ssl).not.toBe(false);
    expect((parsed.ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized).not.toBe(false);
  });

  it('the dispatcher role: queue only, plus the AWS policy Lambda needs for VPC networking', () => {
    const [, role] = resourceNamed(built.template, 'AWS::IAM::Role', 'DispatcherRole');
    const queue = idOf(built, 'AWS::SQS::Queue', 'QueueMain');
    const dlq = idOf(built, 'AWS::SQS::Queue', 'QueueDeadLetter');
    const statements = inlineStatements(role);
    expect(Object.keys(statements)).toEqual(['QueueEventSource', 'QueueSend', 'Logs']);
    expect(statements.QueueEventSource?.Resource).toEqual(arnOf(queue));
    expect(statements.QueueSend?.Resource).toEqual([arnOf(queue), arnOf(dlq)]);
    expect((role.Properties as { ManagedPolicyArns: unknown }).ManagedPolicyArns).toEqual([
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
          ],
        ],
      },
    ]);
    // The database is reached with its password: no rds-db:connect, no secret read at run time.
    expect(JSON.stringify(statements)).not.toMatch(/rds|secretsmanager/);
  });

  it('the Vercel role may only send to the queue', () => {
    const [, role] = resourceNamed(built.template, 'AWS::IAM::Role', 'VercelRole');
    const queue = idOf(built, 'AWS::SQS::Queue', 'QueueMain');
    expect(inlineStatements(role)).toEqual({
      WorkflowQueueSend: {
        Sid: 'WorkflowQueueSend',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: arnOf(queue),
      },
    });
    for (const current of Object.values(resources(built.template, 'AWS::IAM::Role'))) {
      for (const statement of Object.values(inlineStatements(current)) as Statement[]) {
        for (const action of asList(statement.Action)) expect(action).not.toMatch(/\*/);
        for (const resource of asList(statement.Resource)) expect(resource).not.toBe('*');
      }
    }
  });

  it('opens the database port to the networks the app connects from', () => {
    const { template } = build({
      database: { appPeers: [ec2.Peer.ipv4('10.90.0.0/16')] },
    });
    const ingress = Object.values(resources(template, 'AWS::EC2::SecurityGroupIngress'));
    expect(ingress).toHaveLength(1);
    const [, group] = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'DatabaseSecurityGroup');
    expect((group.Properties as { SecurityGroupIngress: unknown[] }).SecurityGroupIngress).toEqual([
      {
        CidrIp: '10.90.0.0/16',
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        Description: 'Worldkit app (Vercel)',
      },
    ]);
  });

  it('uses a given VPC', () => {
    let vpcId = '';
    const { template } = synth((stack) => {
      const vpc = new ec2.Vpc(stack, 'Shared', { maxAzs: 2 });
      vpcId = stack.resolve(vpc.vpcId).Ref;
      new WorldkitAwsPostgres(stack, 'Worldkit', { dispatcher: { code: inlineCode() }, vpc });
    });
    expect(Object.keys(resources(template, 'AWS::EC2::VPC'))).toEqual([vpcId]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Worldkit PostgreSQL: the dispatcher and the app networks only',
      VpcId: { Ref: vpcId },
    });
  });
});
