/**
 * Errors Worldkit throws at composition time. Each has a stable `code` and a static `is()`
 * that checks by name, like `@workflow/errors`, because several copies of this package may
 * be loaded at once (each workflow bundle carries its own).
 */
abstract class WorldkitError extends Error {
  abstract readonly code: string;
}

export interface ConfigProblem {
  /** Dotted path of the option, e.g. `storage.dataDir`. */
  key: string;
  expected: string;
  received: string;
  /** Environment variable that can supply the option, if any. */
  envVar?: string;
}

export class WorldkitConfigError extends WorldkitError {
  readonly code = 'WORLDKIT_CONFIG_INVALID';
  override readonly name = 'WorldkitConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], source = 'world config') {
    super(
      [`Invalid ${source}:`, ...problems.map((problem) => `  - ${describeProblem(problem)}`)].join(
        '\n',
      ),
    );
    this.problems = problems;
  }

  static is(value: unknown): value is WorldkitConfigError {
    return value instanceof Error && value.name === 'WorldkitConfigError';
  }
}

export function describeProblem(problem: ConfigProblem): string {
  const env = problem.envVar ? ` (or set env ${problem.envVar})` : '';
  return `${problem.key}: expected ${problem.expected}, got ${problem.received}${env}`;
}

export class ProviderVersionError extends WorldkitError {
  readonly code = 'WORLDKIT_PROVIDER_VERSION';
  override readonly name = 'ProviderVersionError';

  constructor(
    readonly slot: string,
    readonly packageName: string,
    readonly found: string,
    readonly supported: readonly string[],
  ) {
    super(
      `${slot} provider from ${packageName} implements specificationVersion "${found}", but this ` +
        `@worldkit/core supports ${supported.map((v) => `"${v}"`).join(', ')}: install a release of ` +
        `${packageName} built for specificationVersion "${supported[supported.length - 1]}" ` +
        '(or upgrade @worldkit/core).',
    );
  }

  static is(value: unknown): value is ProviderVersionError {
    return value instanceof Error && value.name === 'ProviderVersionError';
  }
}

export class MissingCapabilityError extends WorldkitError {
  readonly code = 'WORLDKIT_MISSING_CAPABILITY';
  override readonly name = 'MissingCapabilityError';

  constructor(
    readonly slot: string,
    readonly packageName: string,
    readonly capability: string,
    readonly fix: string,
  ) {
    super(
      `${slot} provider from ${packageName} lacks the required capability "${capability}": ${fix}`,
    );
  }

  static is(value: unknown): value is MissingCapabilityError {
    return value instanceof Error && value.name === 'MissingCapabilityError';
  }
}

/** A provider option that is neither passed nor available from its environment variable. */
export class MissingSettingError extends WorldkitError {
  readonly code = 'WORLDKIT_MISSING_SETTING';
  override readonly name = 'MissingSettingError';

  constructor(
    readonly packageName: string,
    readonly option: string,
    readonly envVar: string,
    readonly expected: string,
  ) {
    super(
      `${packageName}: option "${option}" is required (expected ${expected}); pass it to the ` +
        `provider or set env ${envVar}.`,
    );
  }

  static is(value: unknown): value is MissingSettingError {
    return value instanceof Error && value.name === 'MissingSettingError';
  }
}
