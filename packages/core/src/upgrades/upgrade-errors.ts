import { WorldkitError } from '@worldkit/provider';

/** One reason a run cannot move to a version. */
export interface CompatibilityProblem {
  kind:
    | 'missing-workflow'
    | 'input-schema'
    | 'unknown-step'
    | 'replay-order'
    | 'replay-divergence'
    /** The strategy would cut off a token or webhook URL the run handed out. */
    | 'hook-token';
  message: string;
  /** The event of the old run the problem is about, when there is one. */
  eventId?: string;
}

/** Thrown by the `assert*Compatibility` helpers; `problems` lists every reason. */
export class IncompatibleUpgradeError extends WorldkitError {
  static override readonly code = 'WORLDKIT_INCOMPATIBLE_UPGRADE';
  override readonly name = 'IncompatibleUpgradeError';
  constructor(
    readonly runId: string,
    readonly versionId: string,
    readonly problems: CompatibilityProblem[],
  ) {
    super(
      IncompatibleUpgradeError.code,
      `run "${runId}" cannot move to version "${versionId}": ${problems
        .map((problem) => problem.message)
        .join('; ')}`,
    );
  }
}

/** Thrown by `deleteVersion` while runs are still pinned to the version. */
export class VersionInUseError extends WorldkitError {
  static override readonly code = 'WORLDKIT_VERSION_IN_USE';
  override readonly name = 'VersionInUseError';
  constructor(
    readonly versionId: string,
    readonly activeRuns: number,
  ) {
    super(
      VersionInUseError.code,
      `version "${versionId}" still has ${activeRuns} active run${activeRuns === 1 ? '' : 's'}; ` +
        'wait for them to drain (see drainReport), upgrade them, or delete with { force: true }',
    );
  }
}
