import { WorldkitError } from './worldkit-error.js';

/** Thrown by a version store when a version id is not in it. */
export class VersionNotFoundError extends WorldkitError {
  static override readonly code = 'WORLDKIT_VERSION_NOT_FOUND';
  override readonly name = 'VersionNotFoundError';
  constructor(readonly versionId: string) {
    super(VersionNotFoundError.code, `version "${versionId}" does not exist`);
  }
}

/** Thrown when a change would break the store's rules (duplicate id, deleting the current version). */
export class VersionConflictError extends WorldkitError {
  static override readonly code = 'WORLDKIT_VERSION_CONFLICT';
  override readonly name = 'VersionConflictError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(VersionConflictError.code, message, options);
  }
}
