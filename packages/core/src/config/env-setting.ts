import { MissingSettingError, WorldkitConfigError } from '../errors.js';
import { describeValue } from './format-issues.js';

/**
 * What `resolveSetting` needs of a schema: zod's `safeParse` shape, described structurally.
 * A provider passes a schema from its own zod (any 3.x/4.x copy, or a hand-written check);
 * naming zod's types here would tie every provider to this package's copy of zod, and two
 * copies' types in one signature make TypeScript compare them member by member (minutes).
 */
export interface SettingSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

export interface SettingSpec<T> {
  packageName: string;
  /** Option name as the user writes it in the provider call. */
  option: string;
  envVar: string;
  schema: SettingSchema<T>;
  /** Plain words for the error, e.g. `a table name`. */
  expected: string;
}

/**
 * Resolves one provider option: the explicit value wins, then the environment variable.
 * Errors name both the option and the variable, so users can fix either.
 */
export function resolveSetting<T>(spec: SettingSpec<T>, value: T | undefined): T;
export function resolveSetting<T>(spec: SettingSpec<T>, value: T | undefined, fallback: T): T;
export function resolveSetting<T>(spec: SettingSpec<T>, value: T | undefined, ...rest: [T?]): T {
  const fromEnv = process.env[spec.envVar];
  const candidate = value ?? (fromEnv === undefined || fromEnv === '' ? undefined : fromEnv);
  if (candidate === undefined) {
    if (rest.length > 0) return rest[0] as T;
    throw new MissingSettingError(spec.packageName, spec.option, spec.envVar, spec.expected);
  }
  const parsed = spec.schema.safeParse(candidate);
  if (!parsed.success) {
    throw new WorldkitConfigError(
      [
        {
          key: spec.option,
          expected: spec.expected,
          // When the bad value came from the environment, say so instead of suggesting that variable.
          received: `${describeValue(candidate)}${value === undefined ? ` (from env ${spec.envVar})` : ''}`,
          envVar: value === undefined ? undefined : spec.envVar,
        },
      ],
      `${spec.packageName} options`,
    );
  }
  return parsed.data;
}
