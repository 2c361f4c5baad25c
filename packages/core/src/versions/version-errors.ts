/** Thrown by version stores; defined in `@worldkit/provider` (marked, matched by `code`). */
export { VersionConflictError, VersionNotFoundError } from '@worldkit/provider';
