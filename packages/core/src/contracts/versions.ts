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
}

export interface VersionsCapabilities {
  durable: boolean;
  [capability: string]: unknown;
}

export type VersionsProvider = ProviderBase<'versions', VersionStore, VersionsCapabilities>;
