import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type UpgradeRecord,
  upgradeRecordSchema,
  type Version,
  versionSchema,
} from '@worldkit/core';
import { z } from 'zod';

/** What the version store keeps: every version, which one is current, and the upgrade log. */
export interface VersionState {
  versions: Version[];
  currentId: string | null;
  upgrades: UpgradeRecord[];
}

// Dates are written as ISO strings; coercing them back keeps `Version` dates real `Date`s.
const storedVersionSchema = versionSchema.extend({
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  promotedAt: z.coerce.date().optional(),
});

const storedUpgradeSchema = upgradeRecordSchema.extend({
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
});

/**
 * `format` versions the file layout itself; each record also carries its own `schemaVersion`.
 * `upgrades` was added later without a format change: files written before it read as no upgrades.
 */
const versionFileSchema = z.object({
  format: z.literal(1),
  currentId: z.string().nullable(),
  versions: z.array(storedVersionSchema),
  upgrades: z.array(storedUpgradeSchema).default([]),
});

/** Reads `versions.json`; a missing file is an empty store, a malformed one an error. */
export async function readVersionFile(filePath: string): Promise<VersionState> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { versions: [], currentId: null, upgrades: [] };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`@worldkit/local: ${filePath} is not valid JSON`, { cause: error });
  }
  const parsed = versionFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `@worldkit/local: ${filePath} does not hold a version store: ${z.prettifyError(parsed.error)}`,
    );
  }
  return {
    versions: parsed.data.versions,
    currentId: parsed.data.currentId,
    upgrades: parsed.data.upgrades,
  };
}

/**
 * Replaces the file atomically: the state goes to a temporary file that is flushed to disk and
 * then renamed over the old one, so a crash leaves either the old or the new state, never half.
 */
export async function writeVersionFile(filePath: string, state: VersionState): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const body = `${JSON.stringify({ format: 1, ...state }, null, 2)}\n`;
  const tempPath = `${filePath}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(tempPath, 'w');
    try {
      await handle.writeFile(body, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, filePath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}
