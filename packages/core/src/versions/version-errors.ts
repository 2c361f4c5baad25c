/** Thrown when a version id is not in the store. Checked by name, like `@workflow/errors`. */
export class VersionNotFoundError extends Error {
  override readonly name = 'VersionNotFoundError';
  constructor(readonly versionId: string) {
    super(`version "${versionId}" does not exist`);
  }
  static is(value: unknown): value is VersionNotFoundError {
    return value instanceof Error && value.name === 'VersionNotFoundError';
  }
}

/** Thrown when a change would break the store's rules (duplicate id, deleting the current version). */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  static is(value: unknown): value is VersionConflictError {
    return value instanceof Error && value.name === 'VersionConflictError';
  }
}
