/**
 * Errors Worldkit throws at composition time. They live in `@worldkit/provider` on one marked
 * base class (`WorldkitError`, with a stable `code`), so `X.is(error)` and `instanceof` work
 * across the several copies of these packages a process may load (each workflow bundle carries
 * its own); re-exported here for existing imports.
 */
export {
  type ConfigProblem,
  describeProblem,
  MissingCapabilityError,
  MissingSettingError,
  ProviderCreateError,
  ProviderVersionError,
  WorldkitConfigError,
  WorldkitError,
} from '@worldkit/provider';
