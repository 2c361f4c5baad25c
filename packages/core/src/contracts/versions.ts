import { z } from 'zod';
import type { Lifecycle, ProviderBase } from './provider.js';

export const VERSION_STATUSES = ['active', 'draining', 'retired'] as const;

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
export type VersionManifest = z.infer<typeof versionManifestSchema>;

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
export type Version = z.infer<typeof versionSchema>;

export const createVersionInputSchema = z.object({
  id: z.string().min(1).optional(),
  label: z.string().optional(),
  address: z.url().optional(),
  manifest: versionManifestSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type CreateVersionInput = z.infer<typeof createVersionInputSchema>;

export const updateVersionInputSchema = z.object({
  label: z.string().optional(),
  address: z.url().optional(),
  manifest: versionManifestSchema.optional(),
  status: z.enum(VERSION_STATUSES).optional(),
  rampPercent: z.number().min(0).max(100).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type UpdateVersionInput = z.infer<typeof updateVersionInputSchema>;

export interface VersionStore extends Lifecycle {
  create(input: CreateVersionInput): Promise<Version>;
  /** Resolves to `null` when no version has that id. */
  get(id: string): Promise<Version | null>;
  list(options?: { limit?: number; cursor?: string }): Promise<{
    data: Version[];
    cursor: string | null;
    hasMore: boolean;
  }>;
  update(id: string, input: UpdateVersionInput): Promise<Version>;
  delete(id: string): Promise<void>;
  /** The promoted version new runs start on, or `null` before the first promotion. */
  getCurrent(): Promise<Version | null>;
  promote(id: string): Promise<Version>;
  /**
   * Durable log of run upgrades (optional: a store without it gets an in-process log and a
   * warning). The log is the idempotency key of `upgradeRun`, so it should be as durable as runs.
   */
  upgrades?: UpgradeLog;
}

export const UPGRADE_STRATEGIES = [
  'cancel-and-restart',
  'cancel-and-resume',
  'cancel-and-partial-resume',
] as const;
export type UpgradeStrategy = (typeof UPGRADE_STRATEGIES)[number];

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
export type UpgradeRecord = z.infer<typeof upgradeRecordSchema>;

export interface UpgradeLogFilter {
  /** Upgrades of this run (as the old run) or into it (as the new run). */
  runId?: string;
  /** Upgrades from or to this version. */
  versionId?: string;
}

export interface UpgradeLog {
  /** Inserts the record, or replaces the one with the same id. */
  record(entry: UpgradeRecord): Promise<void>;
  /** Upgrades whose old run is `runId`, oldest first. */
  findByRun(runId: string): Promise<UpgradeRecord[]>;
  /** Upgrades matching the filter, oldest first. */
  list(filter?: UpgradeLogFilter): Promise<UpgradeRecord[]>;
  /**
   * The latest upgrade whose `tokenAliases` has `from: token`, or `null`. The World calls it
   * when no live hook holds a token, so an old webhook URL reaches the run that replaced its
   * owner; it should be an indexed lookup, since anyone can present an unknown token.
   */
  findByToken(token: string): Promise<UpgradeRecord | null>;
}

export interface VersionsCapabilities {
  durable: boolean;
  [capability: string]: unknown;
}

export type VersionsProvider = ProviderBase<'versions', VersionStore, VersionsCapabilities>;
