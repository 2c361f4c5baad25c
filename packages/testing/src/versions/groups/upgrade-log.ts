import type { UpgradeRecord, VersionStore } from '@worldkit/core';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';

const entry = (id: string, runId: string, status: UpgradeRecord['status']): UpgradeRecord => ({
  schemaVersion: 1,
  id,
  runId,
  newRunId: `${runId}_next`,
  workflowName: 'workflow//./workflows/orders//orderWorkflow',
  fromVersion: 'vers_old',
  toVersion: 'vers_new',
  strategy: 'cancel-and-resume',
  status,
  copiedEvents: status === 'completed' ? 3 : 0,
  createdAt: new Date('2025-01-01T00:00:00.000Z'),
  updatedAt: new Date('2025-01-01T00:00:01.000Z'),
});

/** The optional `upgrades` log: upsert by id, lookups by old run, filters by run and version. */
export function describeUpgradeLog(store: () => VersionStore): void {
  describe('records', () => {
    const log = () => {
      const upgrades = store().upgrades;
      if (!upgrades) throw new Error('the store has no `upgrades` log');
      return upgrades;
    };

    it('replaces a record with the same id and keeps dates as dates', async () => {
      await log().record(entry('upg_1', 'wrun_a', 'started'));
      await log().record(entry('upg_1', 'wrun_a', 'completed'));
      const found = await log().findByRun('wrun_a');
      expect(found, 'Version store (docs/contract.md), the upgrade log: found').toEqual([
        entry('upg_1', 'wrun_a', 'completed'),
      ]);
      expect(
        found[0]?.createdAt,
        'Version store (docs/contract.md), the upgrade log: found[0]?.createdAt',
      ).toBeInstanceOf(Date);
    });

    it('finds by old run only, and filters by either run and either version', async () => {
      await log().record(entry('upg_1', 'wrun_a', 'completed'));
      await log().record(entry('upg_2', 'wrun_b', 'started'));
      expect(
        await log().findByRun('wrun_a_next'),
        "Version store (docs/contract.md), the upgrade log: await log().findByRun('wrun_a_next')",
      ).toEqual([]);
      expect(
        (await log().list({ runId: 'wrun_a_next' })).map((record) => record.id),
        "Version store (docs/contract.md), the upgrade log: (await log().list({ runId: 'wrun_a_next' })).map((record) => record...",
      ).toEqual(['upg_1']);
      expect(
        (await log().list({ versionId: 'vers_old' })).map((record) => record.id),
        "Version store (docs/contract.md), the upgrade log: (await log().list({ versionId: 'vers_old' })).map((record) => recor...",
      ).toEqual(['upg_1', 'upg_2']);
      expect(
        await log().list({ versionId: 'vers_other' }),
        "Version store (docs/contract.md), the upgrade log: await log().list({ versionId: 'vers_other' })",
      ).toEqual([]);
      expect(
        await log().list(),
        'Version store (docs/contract.md), the upgrade log: await log().list()',
      ).toHaveLength(2);
    });

    it('finds the latest upgrade that carried a hook token over (findByToken)', async () => {
      const aliases = (from: string, to: string) => ({ tokenAliases: [{ from, to }] });
      await log().record({ ...entry('upg_1', 'wrun_a', 'started'), ...aliases('tokA', 'tokB') });
      await log().record({ ...entry('upg_1', 'wrun_a', 'completed'), ...aliases('tokA', 'tokB') });
      await log().record({
        ...entry('upg_2', 'wrun_a_next', 'completed'),
        ...aliases('tokB', 'tokC'),
      });
      await log().record(entry('upg_3', 'wrun_c', 'completed'));

      const first = await log().findByToken('tokA');
      expect(first?.id, 'findByToken("tokA") should name the upgrade that aliased it').toBe(
        'upg_1',
      );
      expect(
        first?.status,
        'Version store (docs/contract.md), the upgrade log: first?.status',
      ).toBe('completed');
      expect(
        first?.tokenAliases,
        'Version store (docs/contract.md), the upgrade log: first?.tokenAliases',
      ).toEqual([{ from: 'tokA', to: 'tokB' }]);
      expect(
        (await log().findByToken('tokB'))?.id,
        "Version store (docs/contract.md), the upgrade log: (await log().findByToken('tokB'))?.id",
      ).toBe('upg_2');
      expect(await log().findByToken('tokC'), 'a token only aliased *to* is not found').toBeNull();
      expect(
        await log().findByToken('unknown'),
        "Version store (docs/contract.md), the upgrade log: await log().findByToken('unknown')",
      ).toBeNull();
    });
  });
}
