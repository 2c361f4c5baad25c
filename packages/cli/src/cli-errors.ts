import {
  MissingCapabilityError,
  MissingSettingError,
  ProviderCreateError,
  ProviderVersionError,
  WorldkitConfigError,
  WorldkitError,
} from '@worldkit/core';

/** A bad argument or option value the parser could not catch (exit code 2). */
export class UsageError extends WorldkitError {
  static override readonly code = 'WORLDKIT_CLI_USAGE';
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(UsageError.code, message);
  }
}

/** The config file exists but could not be evaluated (syntax error, missing import). */
export class ConfigLoadError extends WorldkitError {
  static override readonly code = 'WORLDKIT_CONFIG_LOAD';
  override readonly name = 'ConfigLoadError';
  constructor(message: string) {
    super(ConfigLoadError.code, message);
  }
}

/** Raised after a command already printed its report and only the exit code is left to set. */
export class ReportedFailure extends WorldkitError {
  static override readonly code = 'WORLDKIT_CLI_REPORTED_FAILURE';
  override readonly name = 'ReportedFailure';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(ReportedFailure.code, message);
  }
}

/**
 * Codes of the errors that mean "fix your command line or config", as opposed to a failure
 * while running. Matched by `code` on any Worldkit error, so an error thrown by another copy of
 * the packages (the config's own, loaded from the project) is classified the same way.
 */
const USAGE_ERROR_CODES = new Set<string>([
  UsageError.code,
  ConfigLoadError.code,
  WorldkitConfigError.code,
  ProviderVersionError.code,
  MissingCapabilityError.code,
  MissingSettingError.code,
  // A provider's create() is synchronous and does no I/O: when it throws, the options or the
  // environment it was given are wrong.
  ProviderCreateError.code,
]);

export const EXIT_RUNTIME_FAILURE = 1;
export const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  if (ReportedFailure.is(error)) return error.exitCode;
  return WorldkitError.is(error) && USAGE_ERROR_CODES.has(error.code)
    ? EXIT_USAGE
    : EXIT_RUNTIME_FAILURE;
}

/**
 * One line for stderr, whatever the error looks like: scripts read the first line and
 * multi-line messages (config problems, driver errors) get folded into it.
 */
export function describeError(error: unknown): string {
  if (WorldkitConfigError.is(error)) {
    const problems = error.problems ?? [];
    const heading = error.message.split('\n')[0] ?? 'Invalid world config';
    const lines = error.message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^\s*-\s*/, '').trim())
      .filter(Boolean);
    const details = lines.length > 0 ? lines : problems.map((problem) => problem.key);
    return `${heading} ${details.join('; ')}`.trim();
  }
  if (error instanceof Error) {
    const message = foldLines(error.message);
    if (message) return message;
    // Node's connect errors to a host with several addresses are AggregateErrors with no message.
    const inner = (error as Error & { errors?: unknown[] }).errors?.[0];
    if (inner) return describeError(inner);
    const code = (error as Error & { code?: unknown }).code;
    return code ? `${error.name} (${String(code)})` : error.name;
  }
  return foldLines(String(error)) || 'unknown error';
}

function foldLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}
