import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** An explicit account and region: synth needs neither credentials nor network. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' } as const;

/** A stand-in handler: the tests look at the template, nothing runs. */
export const inlineCode = () =>
  lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });');

/** Synthesizes one stack built by `build` in a fresh app. */
export function synth(
  build: (stack: Stack) => void,
  context: Record<string, unknown> = {},
): { stack: Stack; template: Template } {
  const app = new App({ context });
  const stack = new Stack(app, 'Test', { env: TEST_ENV });
  build(stack);
  return { stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;

/** Every resource of a type, by logical id. */
export function resources(template: Template, type: string): Record<string, Json> {
  return template.findResources(type) as Record<string, Json>;
}

/** The one resource of a type whose logical id contains `part`. */
export function resourceNamed(template: Template, type: string, part: string): [string, Json] {
  const found = Object.entries(resources(template, type)).filter(([id]) => id.includes(part));
  if (found.length !== 1) {
    throw new Error(`expected one ${type} named *${part}*, found ${found.map(([id]) => id)}`);
  }
  return found[0]!;
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** A role's inline statements (every policy of the role), by Sid. */
export function inlineStatements(role: Json): Record<string, Statement> {
  const properties = role.Properties as { Policies?: Array<{ PolicyDocument: Json }> };
  const bySid: Record<string, Statement> = {};
  for (const policy of properties.Policies ?? []) {
    for (const statement of policy.PolicyDocument.Statement as Statement[]) {
      if (!statement.Sid) throw new Error('every statement of these roles has a Sid');
      bySid[statement.Sid] = statement;
    }
  }
  return bySid;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * Resolves CloudFormation intrinsics in a synthesized value to strings, with each `Ref` /
 * `Fn::GetAtt` looked up in `values` by logical id (`Id` or `Id.Attribute`), so a template's
 * environment can be fed to the providers' own settings parsers. An unknown reference throws.
 */
export function resolveIntrinsics(value: unknown, values: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  const object = value as Json;
  if ('Ref' in object) return lookup(values, String(object.Ref));
  if ('Fn::GetAtt' in object) {
    const [id, attribute] = object['Fn::GetAtt'] as [string, string];
    return lookup(values, `${id}.${attribute}`);
  }
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveIntrinsics(part, values)).join(separator);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function lookup(values: Record<string, string>, key: string): string {
  const found = values[key];
  if (found === undefined) throw new Error(`no test value for ${key}`);
  return found;
}
