import {
  type CreateVersionInputV1,
  UPGRADE_STRATEGIES_V1,
  type UpdateVersionInputV1,
  type UpgradeLogFilterV1,
  type UpgradeLogV1,
  type UpgradeRecordV1,
  type UpgradeStrategyV1,
  VERSION_STATUSES_V1,
  type VersionManifestV1,
  type VersionStoreV1,
  type VersionsCapabilitiesV1,
  type VersionV1,
} from '@worldkit/provider';
import { z } from 'zod';
import type { ProviderBase } from './provider.js';

export const VERSION_STATUSES = VERSION_STATUSES_V1;

/** `manifest.json` written by `wf build`, plus optional per-workflow input schemas (JSON Schema). */
export const versionManifestSchema = z.looseObject({
  version: z.string().optional(),
  steps: z
    .record(z.string(), z.record(z.string(), z.looseObject({ stepId: z.string() })))
    .optional(),
  workflows: z
    .record(z.string(), z.record(z.string(), z.looseObject({ workflowId: z.string() })))
    .optional(),
  inputSchemas: z.record(z.string(), z.unknown()).optional(),
});
export type VersionManifest = VersionManifestV1;

export const versionSchema = z.object({
  /** Stored record format, so records written by older Worldkit releases stay readable. */
  schemaVersion: z.literal(1),
  id: z.string().min(1),
  label: z.string().optional(),
  /** Base URL where this version's code answers `/.well-known/workflow/v1/*`; absent for in-process. */
  address: z.url().optional(),
  manifest: versionManifestSchema.optional(),
  status: z.enum(VERSION_STATUSES),
  /** Percentage (0–100) of new runs started on this version while it is a candidate. */
  rampPercent: z.number().min(0).max(100).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
  promotedAt: z.date().optional(),
});
export type Version = VersionV1;

export const createVersionInputSchema = z.object({
  id: z.string().min(1).optional(),
  label: z.string().optional(),
  address: z.url().optional(),
  manifest: versionManifestSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type CreateVersionInput = CreateVersionInputV1;

export const updateVersionInputSchema = z.object({
  label: z.string().optional(),
  address: z.url().optional(),
  manifest: versionManifestSchema.optional(),
  status: z.enum(VERSION_STATUSES).optional(),
  rampPercent: z.number().min(0).max(100).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type UpdateVersionInput = UpdateVersionInputV1;

/** Version records with CRUD, `getCurrent()` and `promote()` (`VersionStoreV1`). */
export type VersionStore = VersionStoreV1;

export const UPGRADE_STRATEGIES = UPGRADE_STRATEGIES_V1;
export type UpgradeStrategy = UpgradeStrategyV1;

/**
 * One upgrade of one run. `started` is written before the old run is touched and `completed`
 * once the new run is queued, so a crash in between leaves a record that says which new run id
 * to finish. Re-running the upgrade continues from there instead of starting a second new run.
 */
export const upgradeRecordSchema = z.object({
  schemaVersion: z.literal(1),
  /** `upg_<ulid>` */
  id: z.string().min(1),
  runId: z.string().min(1),
  newRunId: z.string().min(1),
  workflowName: z.string(),
  fromVersion: z.string(),
  toVersion: z.string(),
  strategy: z.enum(UPGRADE_STRATEGIES),
  status: z.enum(['started', 'completed']),
  /** For partial resume: the last event of the old run that was copied. */
  cutAfterEventId: z.string().optional(),
  /** Events of the old run copied into the new one (0 for restart). */
  copiedEvents: z.number().int().min(0),
  /**
   * Hook tokens the runtime generated for the old run (`createWebhook()`, `createHook()` without
   * a token), each with the token the new run's replay generates for the same call. The World
   * resolves an old token through this list, so webhook URLs handed out before the upgrade reach
   * the new run. Explicit tokens carry over unchanged and are not listed.
   */
  tokenAliases: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) })).optional(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type UpgradeRecord = UpgradeRecordV1;

export type UpgradeLogFilter = UpgradeLogFilterV1;

/** Durable log of run upgrades (`UpgradeLogV1`). */
export type UpgradeLog = UpgradeLogV1;

export type VersionsCapabilities = VersionsCapabilitiesV1;

export type VersionsProvider = ProviderBase<'versions', VersionStore, VersionsCapabilities>;
