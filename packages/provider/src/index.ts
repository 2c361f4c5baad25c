/** The contract generation every provider built on this package implements. */
export const SPECIFICATION_VERSION = 'v1' as const;
export {
  decodeTaggedJson,
  decodeTaggedValue,
  NOT_A_TAG,
  type TaggedJsonDecoding,
  type TagReader,
} from './codec/decode.js';
export { encodeTaggedJson, type TaggedJsonEncoding } from './codec/encode.js';
export {
  BYTES_TAG,
  DATE_TAG,
  LITERAL_TAG,
  TAG_PREFIX,
  type TagObject,
  TEXT_TAG,
  tagNameOf,
} from './codec/tags.js';
export {
  type ConfigProblem,
  describeProblem,
  MissingCapabilityError,
  MissingSettingError,
  ProviderCreateError,
  ProviderVersionError,
  WorldkitConfigError,
} from './errors/config-errors.js';
export { VersionConflictError, VersionNotFoundError } from './errors/version-errors.js';
export { isWorldkitError, WorldkitError } from './errors/worldkit-error.js';
export type { Logger } from './logging/logger.js';
export {
  createOutageReport,
  type OutageReport,
  type OutageReportSettings,
} from './logging/outage-report.js';
export {
  createRateLimitedWarning,
  type RateLimitedWarning,
} from './logging/rate-limited-warning.js';
export { exponentialBackoff } from './retry/backoff.js';
export { describeValue } from './settings/describe-value.js';
export { MASK, maskSecrets, maskUrlSecrets } from './settings/mask-secrets.js';
export {
  resolveSetting,
  type SafeParseSchema,
  type SettingSchema,
  type SettingSpec,
  type StandardSchemaLike,
  type StandardSchemaResult,
} from './settings/resolve-setting.js';
export * from './v1/index.js';
