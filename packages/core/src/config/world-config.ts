import { z } from 'zod';
import type { ComputeProvider } from '../contracts/compute.js';
import { providerShapeSchema, type Slot } from '../contracts/provider.js';
import type { QueueProvider } from '../contracts/queue.js';
import type { StorageProvider } from '../contracts/storage.js';
import type { StreamerProvider } from '../contracts/streamer.js';
import type { VersionsProvider } from '../contracts/versions.js';
import type { Logger } from '../logging/logger.js';

export const DEPLOYMENT_ID_ENV = 'WORLDKIT_DEPLOYMENT_ID';
export const DEFAULT_DEPLOYMENT_ID = 'local';

/** Environment variables that can supply top-level options, keyed by option path. */
export const WORLD_CONFIG_ENV_VARS: Record<string, string> = {
  deploymentId: DEPLOYMENT_ID_ENV,
  'delivery.maxAttempts': 'WORLDKIT_MAX_DELIVERY_ATTEMPTS',
};

function slotSchema(slot: Slot) {
  return providerShapeSchema.refine((provider) => provider.slot === slot, {
    message: `a ${slot} provider`,
  });
}

const deploymentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/, 'letters, digits and . _ @ : - (max 128)');

export const deliveryPolicySchema = z
  .object({
    /** Attempts before a message whose handler keeps throwing is dead-lettered. */
    maxAttempts: z.coerce.number().int().min(1).max(1000).default(20),
    /** Backoff after a handler throws: min(base * 2^(attempt-1), max) seconds. */
    backoffBaseSeconds: z.number().min(0).max(3600).default(1),
    backoffMaxSeconds: z.number().min(0).max(86_400).default(300),
  })
  .strict();
export type DeliveryPolicy = z.infer<typeof deliveryPolicySchema>;

export const recoverySettingsSchema = z
  .object({
    /**
     * How often a World that consumes its queue looks for runs whose queue message was lost
     * (see `recoverStalledRuns`); `false` turns the periodic pass off.
     */
    intervalMs: z.union([z.literal(false), z.number().int().min(100)]).default(5 * 60_000),
    /** How long a run may go without progress before it counts as stuck. */
    staleAfterMs: z
      .number()
      .int()
      .min(100)
      .default(10 * 60_000),
  })
  .strict();
export type RecoverySettings = z.infer<typeof recoverySettingsSchema>;

export const worldConfigSchema = z
  .object({
    storage: slotSchema('storage'),
    queue: slotSchema('queue'),
    streamer: slotSchema('streamer'),
    versions: slotSchema('versions').optional(),
    compute: slotSchema('compute').optional(),
    deploymentId: deploymentIdSchema.optional(),
    delivery: deliveryPolicySchema.optional(),
    recovery: recoverySettingsSchema.optional(),
    logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null).optional(),
  })
  .strict();

/** What users write in `world.config.ts`. */
export interface WorldConfig {
  storage: StorageProvider;
  queue: QueueProvider;
  streamer: StreamerProvider;
  /** Defaults to the storage provider's own version store. */
  versions?: VersionsProvider;
  /** Defaults to in-process delivery. */
  compute?: ComputeProvider;
  /**
   * Version id of the code in this process. Else env WORLDKIT_DEPLOYMENT_ID, else env
   * VERCEL_DEPLOYMENT_ID, else `local` (see `resolveDeploymentId`).
   */
  deploymentId?: string;
  delivery?: Partial<DeliveryPolicy>;
  /** Finding runs whose queue message was lost (default: every 5 min, stuck after 10 min). */
  recovery?: Partial<RecoverySettings>;
  logger?: Logger;
}

/** Typed identity for `world.config.ts`; validation happens in `createWorld`. */
export function defineWorld<const T extends WorldConfig>(config: T): T {
  return config;
}
