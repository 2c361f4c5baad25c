import type { z } from 'zod';
import type { ConfigProblem } from '../errors.js';
import { maskSecrets } from './mask-secrets.js';

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

/**
 * The user-info part of `scheme://user:password@host`, up to the last `@` so a password
 * holding `@` or spaces is covered too. Config errors end up in logs; credentials must not.
 */

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    // Hidden before shortening, so a cut cannot leave half a password behind.
    const shown = maskSecrets(value);
    return JSON.stringify(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}
