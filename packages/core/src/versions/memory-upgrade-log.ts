import type { UpgradeLog, UpgradeLogFilter, UpgradeRecord } from '../contracts/versions.js';

export interface MemoryUpgradeLogSettings {
  /** Records to start from (e.g. read back from disk). */
  initial?: UpgradeRecord[];
  /** Called after every change with every record, so a caller can persist them. */
  onChange?: (records: UpgradeRecord[]) => void;
}

/** True when `record` matches every field `filter` sets. */
export function matchesUpgradeFilter(record: UpgradeRecord, filter: UpgradeLogFilter = {}) {
  if (filter.runId && record.runId !== filter.runId && record.newRunId !== filter.runId) {
    return false;
  }
  if (
    filter.versionId &&
    record.fromVersion !== filter.versionId &&
    record.toVersion !== filter.versionId
  ) {
    return false;
  }
  return true;
}

/** An upgrade log kept in memory; insertion order is creation order. */
export function createMemoryUpgradeLog(settings: MemoryUpgradeLogSettings = {}): UpgradeLog {
  const records = new Map<string, UpgradeRecord>(
    (settings.initial ?? []).map((record) => [record.id, record]),
  );
  return {
    async record(entry) {
      records.set(entry.id, structuredClone(entry));
      settings.onChange?.([...records.values()]);
    },
    async findByRun(runId) {
      return [...records.values()]
        .filter((record) => record.runId === runId)
        .map((record) => structuredClone(record));
    },
    async findByToken(token) {
      const found = [...records.values()].findLast((record) =>
        record.tokenAliases?.some((alias) => alias.from === token),
      );
      return found ? structuredClone(found) : null;
    },
    async list(filter) {
      return [...records.values()]
        .filter((record) => matchesUpgradeFilter(record, filter))
        .map((record) => structuredClone(record));
    },
  };
}
