import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { UsageError } from './cli-errors.js';

/** Which command-line flag sets each version field, so a rejected value names the flag. */
const FLAG_FOR_FIELD: Record<string, string> = {
  id: '--id',
  label: '--label',
  address: '--address',
  manifest: '--manifest',
  rampPercent: '--ramp',
};

/** Validates command input against the version store's own schema before any I/O. */
export function validateVersionInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    const flag = FLAG_FOR_FIELD[field] ?? field;
    const where = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join('.')})` : '';
    return `${flag}${where}: ${issue.message}`;
  });
  throw new UsageError(`invalid version: ${problems.join('; ')}`);
}

/** Reads the `manifest.json` written by `wf build`. */
export function readManifestFile(cwd: string, path: string): unknown {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --manifest ${absolute}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--manifest ${absolute} is not JSON: ${(error as Error).message}`);
  }
}
