import { describeValue } from '@worldkit/provider';
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';

/**
 * Turns zod issues into one problem per key. `envVars` maps a dotted key to the
 * environment variable that can supply it, so the message names both.
 */
export function toConfigProblems(
  error: z.ZodError,
  input: unknown,
  envVars: Record<string, string> = {},
  keyPrefix = '',
): ConfigProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const unknown = issue.keys.map((key) => JSON.stringify(key)).join(', ');
      return {
        key: formatKeyPath([keyPrefix, ...path, issue.keys[0] ?? '']),
        expected: 'no such option (check the spelling)',
        received: `unknown key${issue.keys.length > 1 ? 's' : ''} ${unknown}`,
      };
    }
    return {
      key: formatKeyPath([keyPrefix, ...path]),
      expected: describeExpected(issue),
      received: describeValue(valueAt(input, issue.path)),
      envVar: envVars[path.join('.')],
    };
  });
}

/** `storage.dataDir`, or `delivery[" "]` for keys that are not plain identifiers. */
export function formatKeyPath(segments: string[]): string {
  const parts = segments.filter((segment, index) => index > 0 || segment !== '');
  if (parts.length === 0) return '(root)';
  return parts
    .map((segment, index) => {
      if (/^[A-Za-z_$][\w$-]*$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      if (/^\d+$/.test(segment)) return `[${segment}]`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

function describeExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${issue.origin === 'string' ? 'length' : 'a value'} >= ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'string' ? 'length' : 'a value'} <= ${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `a string matching ${String(issue.pattern)}`
        : `a ${issue.format}`;
    default:
      return issue.message;
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

export { describeValue };
