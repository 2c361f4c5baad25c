import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The settings convention of docs/composition.md ("Settings conventions"): a duration setting
 * says its unit in its name — `…Ms` for milliseconds (the default), `…Seconds` where the
 * setting mirrors a field counted in seconds (an AWS API field, the Workflow runtime's
 * `delaySeconds` / `timeoutSeconds`, a signature timestamp). No unsuffixed durations, no other
 * suffixes (`…Millis`).
 *
 * A source scan, kept simple: in every provider package (and core's `defineWorld` settings), the
 * keys of each exported `…Settings` / `…Options` / `…Sizing` / `…Policy` interface and of each
 * zod object schema. A key is duration-like when one of its camelCase words is a duration word,
 * or when it ends in `After` (`staleAfter…`; `cutAfterEventId` names an event, not a time).
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['core', 'provider', 'local', 'postgres', 'dynamodb', 'sqs', 'redis', 'http'];

const DURATION_WORDS = new Set([
  'timeout',
  'interval',
  'duration',
  'delay',
  'ttl',
  'wait',
  'lease',
  'tolerance',
  'backoff',
  'retention',
  'period',
  'age',
  'expiry',
  'grace',
  'linger',
]);

/** Deprecated spellings kept for one release (documented as deprecated); remove with them. */
const DEPRECATED_ALIASES = new Set([
  // @worldkit/postgres `pool`: pg's own option names, renamed to idleTimeoutMs / connectionTimeoutMs.
  'idleTimeoutMillis',
  'connectionTimeoutMillis',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The text between the `{` at `open` and its matching `}`. */
function block(text: string, open: number): string {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return text.slice(open + 1, index);
  }
  return text.slice(open + 1);
}

/** Keys declared at the top level of a block (`name?: type`, `name: z.number()`). */
function topLevelKeys(body: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (const line of body.split('\n')) {
    const match = depth === 0 ? /^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*:/.exec(line) : null;
    if (match?.[1]) keys.push(match[1]);
    for (const char of line) {
      if (char === '{' || char === '(' || char === '[') depth++;
      else if (char === '}' || char === ')' || char === ']') depth--;
    }
  }
  return keys;
}

/** `{ file, key }` for every settings key in the provider packages. */
function settingsKeys(): { file: string; key: string }[] {
  const found: { file: string; key: string }[] = [];
  for (const name of PACKAGES) {
    for (const file of sourceFiles(join(root, 'packages', name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const starts = [
        ...text.matchAll(/export interface \w*(?:Settings|Options|Sizing|Policy)\b[^{]*\{/g),
        ...text.matchAll(/z\s*\.\s*(?:strictObject|object)\(\s*\{/g),
      ];
      for (const start of starts) {
        const open = (start.index ?? 0) + start[0].length - 1;
        for (const key of topLevelKeys(block(text, open))) {
          found.push({ file: relative(root, file), key });
        }
      }
    }
  }
  return found;
}

const isDurationLike = (key: string) =>
  key.split(/(?=[A-Z])/).some((word) => DURATION_WORDS.has(word.toLowerCase()));

describe('settings conventions', () => {
  const keys = settingsKeys();

  it('finds the settings it is meant to check', () => {
    const names = new Set(keys.map(({ key }) => key));
    for (const known of [
      'staleAfterMs',
      'backoffBaseSeconds',
      'requestTimeoutMs',
      'toleranceSeconds',
      'lockDurationMs',
      'visibilityTimeoutSeconds',
      'waitTimeSeconds',
      'idleTimeoutMs',
      'connectionTimeoutMs',
    ]) {
      expect(names, known).toContain(known);
    }
  });

  it('gives every duration setting a unit suffix: Ms, or Seconds', () => {
    const offenders = keys
      .filter(({ key }) => isDurationLike(key) && !/(?:Ms|Seconds)$/.test(key))
      .filter(({ key }) => !DEPRECATED_ALIASES.has(key))
      .map(({ file, key }) => `${file}: ${key}`);
    expect(offenders).toEqual([]);
  });
});
