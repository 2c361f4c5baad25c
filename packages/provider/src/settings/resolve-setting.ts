import { MissingSettingError, WorldkitConfigError } from '../errors/config-errors.js';
import { describeValue } from './describe-value.js';

/**
 * A schema with zod's `safeParse` shape, described structurally. A provider passes a schema from
 * its own zod (any 3.x/4.x copy, or a hand-written check); naming zod's types here would tie
 * every provider to one copy of zod, and two copies' types in one signature make TypeScript
 * compare them member by member (minutes).
 */
export interface SafeParseSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/**
 * The part of a Standard Schema (https://standardschema.dev; zod 3.24+, valibot, arktype…)
 * `resolveSetting` uses, described structurally so no validation library is imported.
 */
export interface StandardSchemaLike<T> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): StandardSchemaResult<T> | Promise<StandardSchemaResult<T>>;
    readonly types?: { readonly input: unknown; readonly output: T } | undefined;
  };
}

export type StandardSchemaResult<T> =
  | { readonly value: T; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string }> };

/** What `resolveSetting` accepts as a schema: a Standard Schema or anything with `safeParse`. */
export type SettingSchema<T> = StandardSchemaLike<T> | SafeParseSchema<T>;

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
  const parsed = validate(spec, candidate);
  if (!parsed.success) {
    throw new WorldkitConfigError(
      [
        {
          key: spec.option,
          expected: spec.expected,
          received: describeValue(candidate),
          // A bad value from the environment names that variable; an option's suggests it.
          ...(value === undefined ? { fromEnv: spec.envVar } : { envVar: spec.envVar }),
        },
      ],
      `${spec.packageName} options`,
    );
  }
  return parsed.data;
}

function validate<T>(
  spec: SettingSpec<T>,
  candidate: unknown,
): { success: true; data: T } | { success: false } {
  const { schema } = spec;
  if (isStandardSchema(schema)) {
    const outcome = schema['~standard'].validate(candidate);
    if (isPromiseLike(outcome)) {
      // Settings are resolved while the config loads, synchronously.
      outcome.then(undefined, () => {});
      throw new TypeError(
        `${spec.packageName}: the schema of option "${spec.option}" validates asynchronously; ` +
          'settings are resolved synchronously, so use a synchronous schema.',
      );
    }
    return 'value' in outcome && outcome.issues === undefined
      ? { success: true, data: outcome.value }
      : { success: false };
  }
  return schema.safeParse(candidate);
}

function isStandardSchema<T>(schema: SettingSchema<T>): schema is StandardSchemaLike<T> {
  const standard = (schema as Partial<StandardSchemaLike<T>>)['~standard'];
  return (
    typeof standard === 'object' && standard !== null && typeof standard.validate === 'function'
  );
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}
