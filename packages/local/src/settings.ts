import path from 'node:path';
import {
  describeValue,
  resolveSetting,
  toConfigProblems,
  WorldkitConfigError,
} from '@worldkit/core';
import { z } from 'zod';

export const PACKAGE_NAME = '@worldkit/local';
export const DATA_DIR_ENV = 'WORLDKIT_LOCAL_DATA_DIR';
export const QUEUE_CONCURRENCY_ENV = 'WORLDKIT_LOCAL_QUEUE_CONCURRENCY';
/** Relative to the working directory of the process that builds the providers. */
export const DEFAULT_DATA_DIR = '.worldkit-data';

export interface LocalSettings {
  /**
   * Directory the storage, queue, stream journal and version store persist to.
   * Env: WORLDKIT_LOCAL_DATA_DIR; default `.worldkit-data` in the working directory.
   */
  dataDir?: string;
  /** Keep everything in memory and touch no disk; each provider call gets its own state. */
  memory?: boolean;
}

export interface LocalQueueProviderSettings extends LocalSettings {
  /** Most handler calls in flight at once. Env: WORLDKIT_LOCAL_QUEUE_CONCURRENCY; default 100. */
  concurrency?: number;
}

/** Where a part keeps its state: an absolute data directory, or memory. */
export type ResolvedLocation = { kind: 'disk'; dataDir: string } | { kind: 'memory' };

const localSettingsSchema = z.strictObject({
  dataDir: z.string().min(1).optional(),
  memory: z.boolean().optional(),
});

const queueSettingsSchema = localSettingsSchema.extend({
  concurrency: z.number().int().min(1).max(10_000).optional(),
});

const ENV_VARS = { dataDir: DATA_DIR_ENV, concurrency: QUEUE_CONCURRENCY_ENV };

function parseSettings<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new WorldkitConfigError(
      toConfigProblems(parsed.error, input, ENV_VARS),
      `${PACKAGE_NAME} options`,
    );
  }
  return parsed.data;
}

/**
 * Validates the settings every local provider takes and decides where state lives. Runs when a
 * provider is constructed (synchronously, no I/O), so a bad option fails at config load time.
 */
export function resolveLocation(settings: LocalSettings | undefined): ResolvedLocation {
  const parsed = parseSettings(localSettingsSchema, settings);
  if (parsed.memory) {
    if (parsed.dataDir !== undefined) {
      throw new WorldkitConfigError(
        [
          {
            key: 'dataDir',
            expected: 'no dataDir when memory is true (memory mode touches no disk)',
            received: describeValue(parsed.dataDir),
          },
        ],
        `${PACKAGE_NAME} options`,
      );
    }
    return { kind: 'memory' };
  }
  const dataDir = resolveSetting(
    {
      packageName: PACKAGE_NAME,
      option: 'dataDir',
      envVar: DATA_DIR_ENV,
      schema: z.string().min(1),
      expected: 'a directory path',
    },
    parsed.dataDir,
    DEFAULT_DATA_DIR,
  );
  return { kind: 'disk', dataDir: path.resolve(dataDir) };
}

export function resolveQueueConcurrency(
  settings: LocalQueueProviderSettings | undefined,
): number | undefined {
  const parsed = parseSettings(queueSettingsSchema, settings);
  const fromEnvOrOption = resolveSetting<number | undefined>(
    {
      packageName: PACKAGE_NAME,
      option: 'concurrency',
      envVar: QUEUE_CONCURRENCY_ENV,
      schema: z.coerce.number().int().min(1).max(10_000),
      expected: 'an integer from 1 to 10000',
    },
    parsed.concurrency,
    undefined,
  );
  return fromEnvOrOption;
}
