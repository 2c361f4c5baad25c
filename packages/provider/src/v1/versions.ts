import type { LifecycleV1, ProviderV1 } from './provider.js';

export const VERSION_STATUSES_V1 = ['active', 'draining', 'retired'] as const;
export type VersionStatusV1 = (typeof VERSION_STATUSES_V1)[number];

/** `manifest.json` written by `wf build`, plus optional per-workflow input schemas (JSON Schema). */
export interface VersionManifestV1 {
  version?: string | undefined;
  steps?: Record<string, Record<string, { stepId: string; [key: string]: unknown }>> | undefined;
  workflows?:
    | Record<string, Record<string, { workflowId: string; [key: string]: unknown }>>
    | undefined;
  inputSchemas?: Record<string, unknown> | undefined;
  [key: string]: unknown;
}

/** One deployed version of the application's workflow code. */
export interface VersionV1 {
  /** Stored record format, so records written by older releases stay readable. */
  schemaVersion: 1;
  id: string;
  label?: string | undefined;
  /** Base URL where this version's code answers `/.well-known/workflow/v1/*`; absent for in-process. */
  address?: string | undefined;
  manifest?: VersionManifestV1 | undefined;
  status: VersionStatusV1;
  /** Percentage (0–100) of new runs started on this version while it is a candidate. */
  rampPercent?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
  createdAt: Date;
  updatedAt: Date;
  promotedAt?: Date | undefined;
}

export interface CreateVersionInputV1 {
  id?: string | undefined;
  label?: string | undefined;
  address?: string | undefined;
  manifest?: VersionManifestV1 | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface UpdateVersionInputV1 {
  label?: string | undefined;
  address?: string | undefined;
  manifest?: VersionManifestV1 | undefined;
  status?: VersionStatusV1 | undefined;
  /** `null` clears the ramp. */
  rampPercent?: number | null | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export const UPGRADE_STRATEGIES_V1 = [
  'cancel-and-restart',
  'cancel-and-resume',
  'cancel-and-partial-resume',
] as const;
export type UpgradeStrategyV1 = (typeof UPGRADE_STRATEGIES_V1)[number];

/**
 * One upgrade of one run. `started` is written before the old run is touched and `completed`
 * once the new run is queued, so a crash in between leaves a record that says which new run id
 * to finish.
 */
export interface UpgradeRecordV1 {
  schemaVersion: 1;
  /** `upg_<ulid>` */
  id: string;
  runId: string;
  newRunId: string;
  workflowName: string;
  fromVersion: string;
  toVersion: string;
  strategy: UpgradeStrategyV1;
  status: 'started' | 'completed';
  /** For partial resume: the last event of the old run that was copied. */
  cutAfterEventId?: string | undefined;
  /** Events of the old run copied into the new one (0 for restart). */
  copiedEvents: number;
  /**
   * Hook tokens the runtime generated for the old run, each with the token the new run's replay
   * generates for the same call, so webhook URLs handed out before the upgrade reach the new run.
   */
  tokenAliases?: Array<{ from: string; to: string }> | undefined;
  createdAt: Date;
  updatedAt: Date;
}

export interface UpgradeLogFilterV1 {
  /** Upgrades of this run (as the old run) or into it (as the new run). */
  runId?: string;
  /** Upgrades from or to this version. */
  versionId?: string;
}

export interface UpgradeLogV1 {
  /** Inserts the record, or replaces the one with the same id. */
  record(entry: UpgradeRecordV1): Promise<void>;
  /** Upgrades whose old run is `runId`, oldest first. */
  findByRun(runId: string): Promise<UpgradeRecordV1[]>;
  /** Upgrades matching the filter, oldest first. */
  list(filter?: UpgradeLogFilterV1): Promise<UpgradeRecordV1[]>;
  /**
   * The latest upgrade whose `tokenAliases` has `from: token`, or `null`. It should be an indexed
   * lookup, since anyone can present an unknown token.
   */
  findByToken(token: string): Promise<UpgradeRecordV1 | null>;
}

/**
 * Version records with CRUD, `getCurrent()` and `promote()`. Missing ids throw
 * `VersionNotFoundError`, duplicates and deleting the current version `VersionConflictError`.
 */
export interface VersionStoreV1 extends LifecycleV1 {
  create(input: CreateVersionInputV1): Promise<VersionV1>;
  /** Resolves to `null` when no version has that id. */
  get(id: string): Promise<VersionV1 | null>;
  list(options?: { limit?: number; cursor?: string }): Promise<{
    data: VersionV1[];
    cursor: string | null;
    hasMore: boolean;
  }>;
  update(id: string, input: UpdateVersionInputV1): Promise<VersionV1>;
  delete(id: string): Promise<void>;
  /** The promoted version new runs start on, or `null` before the first promotion. */
  getCurrent(): Promise<VersionV1 | null>;
  promote(id: string): Promise<VersionV1>;
  /**
   * Durable log of run upgrades (optional: a store without it gets an in-process log and a
   * warning). It should be as durable as runs.
   */
  upgrades?: UpgradeLogV1;
}

export interface VersionsCapabilitiesV1 {
  durable: boolean;
}

export type VersionsProviderV1<
  Capabilities extends VersionsCapabilitiesV1 = VersionsCapabilitiesV1,
> = ProviderV1<'versions', VersionStoreV1, Capabilities>;
