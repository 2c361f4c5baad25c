import { WorldkitError } from './worldkit-error.js';

export interface ConfigProblem {
  /** Dotted path of the option, e.g. `storage.dataDir`. */
  key: string;
  expected: string;
  received: string;
  /** Environment variable that can supply the option, if any (the message suggests it). */
  envVar?: string;
  /**
   * Environment variable the bad value was read from, if it came from the environment. The
   * message then names that variable as the one to fix; `envVar`, when it is another variable,
   * is named as the one that overrides it.
   */
  fromEnv?: string;
}

/**
 * One line per problem. A value from the environment names the variable that held it
 * (`got "a b" (from env WORLDKIT_DEPLOYMENT_ID)`); an option's value names the variable that can
 * supply it instead (`got "a b" (or set env WORLDKIT_DEPLOYMENT_ID)`).
 */
export function describeProblem(problem: ConfigProblem): string {
  let note = '';
  if (problem.fromEnv) {
    const override =
      problem.envVar && problem.envVar !== problem.fromEnv
        ? `; env ${problem.envVar} overrides it`
        : '';
    note = ` (from env ${problem.fromEnv}${override})`;
  } else if (problem.envVar) {
    note = ` (or set env ${problem.envVar})`;
  }
  return `${problem.key}: expected ${problem.expected}, got ${problem.received}${note}`;
}

/** A config or a provider's options failed validation; `problems` lists every one. */
export class WorldkitConfigError extends WorldkitError {
  static override readonly code = 'WORLDKIT_CONFIG_INVALID';
  override readonly name = 'WorldkitConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], source = 'world config') {
    super(
      WorldkitConfigError.code,
      [`Invalid ${source}:`, ...problems.map((problem) => `  - ${describeProblem(problem)}`)].join(
        '\n',
      ),
    );
    this.problems = problems;
  }
}

/** A provider implements a contract generation this composer does not support. */
export class ProviderVersionError extends WorldkitError {
  static override readonly code = 'WORLDKIT_PROVIDER_VERSION';
  override readonly name = 'ProviderVersionError';

  constructor(
    readonly slot: string,
    readonly packageName: string,
    readonly found: string,
    readonly supported: readonly string[],
  ) {
    super(
      ProviderVersionError.code,
      `${slot} provider from ${packageName} implements specificationVersion "${found}", but this ` +
        `@worldkit/core supports ${supported.map((v) => `"${v}"`).join(', ')}: install a release of ` +
        `${packageName} built for specificationVersion "${supported[supported.length - 1]}" ` +
        '(or upgrade @worldkit/core).',
    );
  }
}

/** A provider lacks a capability the composer cannot work without. */
export class MissingCapabilityError extends WorldkitError {
  static override readonly code = 'WORLDKIT_MISSING_CAPABILITY';
  override readonly name = 'MissingCapabilityError';

  constructor(
    readonly slot: string,
    readonly packageName: string,
    readonly capability: string,
    readonly fix: string,
  ) {
    super(
      MissingCapabilityError.code,
      `${slot} provider from ${packageName} lacks the required capability "${capability}": ${fix}`,
    );
  }
}

/**
 * A provider's `create()` threw something other than a Worldkit error (a driver's parse error, a
 * bug): the message names the slot, the provider and its package, then the cause's message;
 * `cause` is the original error.
 */
export class ProviderCreateError extends WorldkitError {
  static override readonly code = 'WORLDKIT_PROVIDER_CREATE_FAILED';
  override readonly name = 'ProviderCreateError';

  constructor(
    readonly slot: string,
    readonly providerName: string,
    readonly packageName: string,
    cause: unknown,
  ) {
    super(
      ProviderCreateError.code,
      `the ${slot} provider \`${providerName}\` (package ${packageName}) failed to create its ` +
        `instance: ${causeMessage(cause)}`,
      { cause },
    );
  }
}

function causeMessage(cause: unknown): string {
  const text = cause instanceof Error ? cause.message || cause.name : String(cause);
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' ') || 'no message'
  );
}

/** A provider option that is neither passed nor available from its environment variable. */
export class MissingSettingError extends WorldkitError {
  static override readonly code = 'WORLDKIT_MISSING_SETTING';
  override readonly name = 'MissingSettingError';

  constructor(
    readonly packageName: string,
    readonly option: string,
    readonly envVar: string,
    readonly expected: string,
  ) {
    super(
      MissingSettingError.code,
      `${packageName}: option "${option}" is required (expected ${expected}); pass it to the ` +
        `provider or set env ${envVar}.`,
    );
  }
}
