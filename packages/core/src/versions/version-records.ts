import type { CreateVersionInput, UpdateVersionInput, Version } from '../contracts/versions.js';

/**
 * How a version record changes, shared by every version store so that memory, local,
 * PostgreSQL and DynamoDB agree to the field on what `create`, `update` and `promote` store.
 * Stores own persistence and concurrency; these functions own the record.
 */

/** The record `create` stores, from already-validated input. */
export function newVersionRecord(input: CreateVersionInput, id: string, at = new Date()): Version {
  return {
    schemaVersion: 1,
    id,
    label: input.label,
    address: input.address,
    manifest: input.manifest,
    metadata: input.metadata,
    status: 'active',
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * The record after `update`, from already-validated input: fields left `undefined` keep their
 * value, and `rampPercent: null` removes the ramp.
 */
export function updatedVersionRecord(
  existing: Version,
  input: UpdateVersionInput,
  at = new Date(),
): Version {
  const { rampPercent, ...rest } = input;
  const next: Version = {
    ...existing,
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    updatedAt: at,
  };
  if (rampPercent === null) delete next.rampPercent;
  else if (rampPercent !== undefined) next.rampPercent = rampPercent;
  return next;
}

/** The record after `promote`: active, stamped, and no longer ramping (it takes all new runs). */
export function promotedVersionRecord(existing: Version, at = new Date()): Version {
  const next: Version = { ...existing, status: 'active', promotedAt: at, updatedAt: at };
  delete next.rampPercent;
  return next;
}
