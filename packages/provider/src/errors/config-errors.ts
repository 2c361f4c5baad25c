import { WorldkitError } from './worldkit-error.js';

export interface ConfigProblem {
  /** Dotted path of the option, e.g. `storage.dataDir`. */
  key: string;
  expected: string;
  received: string;
  /** Environment variable that can supply the option, if any. */
  envVar?: string;
}

export function describeProblem(problem: ConfigProblem): string {
  const env = problem.envVar ? ` (or set env ${problem.envVar})` : '';
  return `${problem.key}: expected ${problem.expected}, got ${problem.received}${env}`;
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
