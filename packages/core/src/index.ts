export { type FromWorldSettings, fromWorld, type WorldSlots } from './adapters/from-world.js';
export {
  type ClaimStore,
  type ClaimsContext,
  claimStoreOf,
  claimsOf,
} from './compose/claim-store.js';
export { type ComposedWorld, createWorld, type WorldkitHandle } from './compose/create-world.js';
export { negotiate } from './compose/negotiate.js';
export { SPAN_ATTRIBUTES, TRACER_NAME } from './compose/tracing.js';
export { currentDeliveryScope, withDeliveryScope } from './compute/delivery-scope.js';
export { findHandler, loadedDeployments, registerHandler } from './compute/handler-registry.js';
export { inProcessCompute } from './compute/in-process.js';
export { currentDeploymentScope, withDeploymentScope } from './compute/registration-scope.js';
export {
  DEPLOYMENT_ID_ENV_VARS,
  resolveDeploymentId,
  VERCEL_DEPLOYMENT_ID_ENV,
} from './config/deployment-id.js';
export { resolveSetting, type SettingSchema, type SettingSpec } from './config/env-setting.js';
export { describeValue, toConfigProblems } from './config/format-issues.js';
export { MASK, maskSecrets, maskUrlSecrets } from './config/mask-secrets.js';
export {
  DEFAULT_DEPLOYMENT_ID,
  DEPLOYMENT_ID_ENV,
  type DeliveryPolicy,
  defineWorld,
  type WorldConfig,
  worldConfigSchema,
} from './config/world-config.js';
export type * from './contracts/compute.js';
export * from './contracts/provider.js';
export * from './contracts/queue.js';
export type * from './contracts/storage.js';
export type * from './contracts/streamer.js';
export * from './contracts/versions.js';
export {
  type ConfigProblem,
  describeProblem,
  MissingCapabilityError,
  MissingSettingError,
  ProviderCreateError,
  ProviderVersionError,
  WorldkitConfigError,
  WorldkitError,
} from './errors.js';
export { createConsoleLogger, type Logger } from './logging/logger.js';
export {
  createOutageReport,
  type OutageReport,
  type OutageReportSettings,
} from './logging/outage-report.js';
export {
  createRateLimitedWarning,
  type RateLimitedWarning,
} from './logging/rate-limited-warning.js';
export { createReceiver, type ReceiverSettings } from './queue/delivery-policy.js';
export { decodeMessage, encodeMessage } from './queue/message-codec.js';
export { recoverActiveRuns } from './recovery/recover-active-runs.js';
export {
  type RecoverStalledRunsOptions,
  type RecoveryReport,
  recoverStalledRuns,
  type StalledRun,
} from './recovery/recover-stalled-runs.js';
export { installedWorld, installWorld } from './runtime/install-world.js';
export {
  type LoadedWorkflowCode,
  type LoadWorkflowCodeSettings,
  loadWorkflowCode,
  type WorkflowReference,
} from './runtime/load-workflow-code.js';
export { loadedManifest } from './runtime/loaded-manifests.js';
export { checkEventRequest } from './storage/event-request-check.js';
export * from './storage/event-state-machine/index.js';
export {
  assertEventLogCompatibility,
  assertInputCompatibility,
  type CompatibilityReport,
  checkCompatibility,
} from './upgrades/compatibility.js';
export { deleteVersion } from './upgrades/delete-version.js';
export {
  type DrainReason,
  type DrainReport,
  type DrainRun,
  drainReport,
} from './upgrades/drain-report.js';
export { getManifest } from './upgrades/manifest-lookup.js';
export type { ReplayCheckResult } from './upgrades/replay-check.js';
export {
  type ReplayRequest,
  type ReplayVerdict,
  replayOnVersion,
  replayRequestMessage,
  replayRequestOf,
} from './upgrades/replay-on-version.js';
export {
  type CompatibilityProblem,
  IncompatibleUpgradeError,
  VersionInUseError,
} from './upgrades/upgrade-errors.js';
export { listUpgrades, upgradeLogOf } from './upgrades/upgrade-log.js';
export { type UpgradeResult, type UpgradeRunOptions, upgradeRun } from './upgrades/upgrade-run.js';
export {
  type UpgradeRunsFilter,
  type UpgradeRunsOptions,
  type UpgradeRunsSummary,
  upgradeRuns,
} from './upgrades/upgrade-runs.js';
export { chooseVersionForNewRun } from './versions/choose-version-for-new-run.js';
export {
  createMemoryUpgradeLog,
  type MemoryUpgradeLogSettings,
  matchesUpgradeFilter,
} from './versions/memory-upgrade-log.js';
export type { MemoryVersionState } from './versions/memory-version-store.js';
export {
  createMemoryVersionStore,
  type MemoryVersionStoreSettings,
} from './versions/memory-version-store.js';
export { memoryVersions } from './versions/memory-versions-provider.js';
export { VersionConflictError, VersionNotFoundError } from './versions/version-errors.js';
export {
  newVersionRecord,
  promotedVersionRecord,
  updatedVersionRecord,
} from './versions/version-records.js';
