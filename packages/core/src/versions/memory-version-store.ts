import { monotonicFactory } from 'ulid';
import {
  type CreateVersionInput,
  createVersionInputSchema,
  type UpdateVersionInput,
  type UpgradeRecord,
  updateVersionInputSchema,
  type Version,
  type VersionStore,
} from '../contracts/versions.js';
import { createMemoryUpgradeLog } from './memory-upgrade-log.js';
import { VersionConflictError, VersionNotFoundError } from './version-errors.js';
import {
  newVersionRecord,
  promotedVersionRecord,
  updatedVersionRecord,
} from './version-records.js';

export interface MemoryVersionStoreSettings {
  /** Records to start from (e.g. read back from disk). */
  initial?: { versions: Version[]; currentId: string | null; upgrades?: UpgradeRecord[] };
  /** Called after every change with the full state, so a caller can persist it. */
  onChange?: (state: MemoryVersionState) => void;
}

/** Everything the memory store holds; `upgrades` is its upgrade log. */
export interface MemoryVersionState {
  versions: Version[];
  currentId: string | null;
  upgrades: UpgradeRecord[];
}

/**
 * A version store kept in memory. Used as the fallback when no durable store is configured,
 * and by providers that persist the state themselves through `onChange`.
 */
// Monotonic, so versions created in the same millisecond still list in creation order.
const nextUlid = monotonicFactory();

export function createMemoryVersionStore(settings: MemoryVersionStoreSettings = {}): VersionStore {
  const versions = new Map<string, Version>(
    (settings.initial?.versions ?? []).map((version) => [version.id, version]),
  );
  let currentId = settings.initial?.currentId ?? null;
  let upgradeRecords = settings.initial?.upgrades ?? [];
  const changed = () =>
    settings.onChange?.({ versions: [...versions.values()], currentId, upgrades: upgradeRecords });
  const upgrades = createMemoryUpgradeLog({
    initial: upgradeRecords,
    onChange: (records) => {
      upgradeRecords = records;
      changed();
    },
  });

  const require = (id: string) => {
    const version = versions.get(id);
    if (!version) throw new VersionNotFoundError(id);
    return version;
  };

  return {
    upgrades,
    async create(input: CreateVersionInput) {
      const parsed = createVersionInputSchema.parse(input);
      const id = parsed.id ?? `vers_${nextUlid()}`;
      if (versions.has(id)) throw new VersionConflictError(`version "${id}" already exists`);
      const version = newVersionRecord(parsed, id);
      versions.set(id, version);
      changed();
      return structuredClone(version);
    },
    async get(id) {
      const version = versions.get(id);
      return version ? structuredClone(version) : null;
    },
    async list(options = {}) {
      const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
      // Stable sort: versions created in the same millisecond keep insertion (creation) order.
      const sorted = [...versions.values()].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
      );
      const start = options.cursor ? sorted.findIndex((v) => v.id === options.cursor) + 1 : 0;
      const page = sorted.slice(start, start + limit);
      const hasMore = start + limit < sorted.length;
      return {
        data: page.map((version) => structuredClone(version)),
        cursor: hasMore ? (page[page.length - 1]?.id ?? null) : null,
        hasMore,
      };
    },
    async update(id, input: UpdateVersionInput) {
      const parsed = updateVersionInputSchema.parse(input);
      const existing = require(id);
      const next = updatedVersionRecord(existing, parsed);
      versions.set(id, next);
      changed();
      return structuredClone(next);
    },
    async delete(id) {
      require(id);
      if (currentId === id) {
        throw new VersionConflictError(`version "${id}" is current; promote another version first`);
      }
      versions.delete(id);
      changed();
    },
    async getCurrent() {
      return currentId ? structuredClone(versions.get(currentId) ?? null) : null;
    },
    async promote(id) {
      const version = require(id);
      const next = promotedVersionRecord(version);
      versions.set(id, next);
      currentId = id;
      changed();
      return structuredClone(next);
    },
  };
}
