import type { VersionStore } from '@worldkit/core';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import { expectRejectionNamed } from '../rejection.js';

const manifest = {
  version: '1.0.0',
  workflows: {
    'workflows/order.ts': { order: { workflowId: 'workflow//workflows/order.ts//order' } },
  },
  steps: { 'workflows/order.ts': { charge: { stepId: 'step//workflows/order.ts//charge' } } },
};

export function describeVersionCrud(store: () => VersionStore): void {
  describe('create, get, update, delete', () => {
    it('creates a version with a generated vers_ id, status active and Date timestamps', async () => {
      const before = Date.now();
      const created = await store().create({
        label: 'abc123',
        address: 'https://v1.example.com',
        manifest,
        metadata: { commit: 'abc123', pr: 7 },
      });
      expect(
        created.id,
        'Version store (docs/contract.md), records, duplicate and missing ids: created.id',
      ).toMatch(/^vers_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(
        created,
        'Version store (docs/contract.md), records, duplicate and missing ids: created',
      ).toMatchObject({
        schemaVersion: 1,
        label: 'abc123',
        address: 'https://v1.example.com',
        manifest,
        metadata: { commit: 'abc123', pr: 7 },
        status: 'active',
      });
      expect(
        created.createdAt,
        'Version store (docs/contract.md), records, duplicate and missing ids: created.createdAt',
      ).toBeInstanceOf(Date);
      expect(
        created.updatedAt,
        'Version store (docs/contract.md), records, duplicate and missing ids: created.updatedAt',
      ).toBeInstanceOf(Date);
      expect(
        created.createdAt.getTime(),
        'Version store (docs/contract.md), records, duplicate and missing ids: created.createdAt.getTime()',
      ).toBeGreaterThanOrEqual(before - 1000);
      expect(
        created.promotedAt,
        'Version store (docs/contract.md), records, duplicate and missing ids: created.promotedAt',
      ).toBeUndefined();
      expect(
        created.rampPercent,
        'Version store (docs/contract.md), records, duplicate and missing ids: created.rampPercent',
      ).toBeUndefined();

      const fetched = await store().get(created.id);
      expect(
        fetched,
        'Version store (docs/contract.md), records, duplicate and missing ids: fetched',
      ).toEqual(created);
      expect(
        fetched?.createdAt,
        'Version store (docs/contract.md), records, duplicate and missing ids: fetched?.createdAt',
      ).toBeInstanceOf(Date);
      expect(
        fetched?.updatedAt,
        'Version store (docs/contract.md), records, duplicate and missing ids: fetched?.updatedAt',
      ).toBeInstanceOf(Date);
    });

    it('creates a version with an explicit id', async () => {
      const created = await store().create({ id: 'release-2024-06-01' });
      expect(
        created.id,
        'Version store (docs/contract.md), records, duplicate and missing ids: created.id',
      ).toBe('release-2024-06-01');
      expect(
        (await store().get('release-2024-06-01'))?.id,
        "Version store (docs/contract.md), records, duplicate and missing ids: (await store().get('release-2024-06-01'))?.id",
      ).toBe('release-2024-06-01');
    });

    it('refuses a duplicate id with VersionConflictError and keeps the original', async () => {
      await store().create({ id: 'dup', label: 'original' });
      await expectRejectionNamed(
        store().create({ id: 'dup', label: 'second' }),
        'VersionConflictError',
      );
      expect(
        (await store().get('dup'))?.label,
        "Version store (docs/contract.md), records, duplicate and missing ids: (await store().get('dup'))?.label",
      ).toBe('original');
    });

    it('returns null for a version that does not exist', async () => {
      expect(
        await store().get('vers_missing'),
        "Version store (docs/contract.md), records, duplicate and missing ids: await store().get('vers_missing')",
      ).toBeNull();
    });

    it('does not hand out its own records: changing a returned version changes nothing stored', async () => {
      const created = await store().create({ label: 'kept', metadata: { a: 1 } });
      created.label = 'changed';
      (created.metadata as Record<string, unknown>).a = 2;
      const fetched = await store().get(created.id);
      expect(
        fetched?.label,
        'Version store (docs/contract.md), records, duplicate and missing ids: fetched?.label',
      ).toBe('kept');
      expect(
        fetched?.metadata,
        'Version store (docs/contract.md), records, duplicate and missing ids: fetched?.metadata',
      ).toEqual({ a: 1 });
    });

    it('updates fields, keeps the others and moves updatedAt forward', async () => {
      const created = await store().create({ label: 'one', address: 'https://one.example.com' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await store().update(created.id, { label: 'two', status: 'draining' });
      expect(
        updated,
        'Version store (docs/contract.md), records, duplicate and missing ids: updated',
      ).toMatchObject({ id: created.id, label: 'two', status: 'draining' });
      expect(
        updated.address,
        'Version store (docs/contract.md), records, duplicate and missing ids: updated.address',
      ).toBe('https://one.example.com');
      expect(
        updated.createdAt.getTime(),
        'Version store (docs/contract.md), records, duplicate and missing ids: updated.createdAt.getTime()',
      ).toBe(created.createdAt.getTime());
      expect(
        updated.updatedAt,
        'Version store (docs/contract.md), records, duplicate and missing ids: updated.updatedAt',
      ).toBeInstanceOf(Date);
      expect(
        updated.updatedAt.getTime(),
        'Version store (docs/contract.md), records, duplicate and missing ids: updated.updatedAt.getTime()',
      ).toBeGreaterThan(created.updatedAt.getTime());
      expect(
        await store().get(created.id),
        'Version store (docs/contract.md), records, duplicate and missing ids: await store().get(created.id)',
      ).toEqual(updated);
    });

    it('sets a ramp percentage and clears it with null', async () => {
      const created = await store().create({ label: 'candidate' });
      expect(
        (await store().update(created.id, { rampPercent: 25 })).rampPercent,
        'Version store (docs/contract.md), records, duplicate and missing ids: (await store().update(created.id, { rampPercent: 25 })).rampPercent',
      ).toBe(25);
      expect(
        (await store().get(created.id))?.rampPercent,
        'Version store (docs/contract.md), records, duplicate and missing ids: (await store().get(created.id))?.rampPercent',
      ).toBe(25);
      const cleared = await store().update(created.id, { rampPercent: null });
      expect(
        cleared.rampPercent,
        'Version store (docs/contract.md), records, duplicate and missing ids: cleared.rampPercent',
      ).toBeUndefined();
      expect(
        (await store().get(created.id))?.rampPercent,
        'Version store (docs/contract.md), records, duplicate and missing ids: (await store().get(created.id))?.rampPercent',
      ).toBeUndefined();
    });

    it('rejects an update of a missing version with VersionNotFoundError', async () => {
      await expectRejectionNamed(
        store().update('vers_missing', { label: 'x' }),
        'VersionNotFoundError',
      );
    });

    it('rejects invalid input without storing anything', async () => {
      await expect(
        store().create({ address: 'not a url' }),
        "Version store (docs/contract.md), records, duplicate and missing ids: store().create({ address: 'not a url' })",
      ).rejects.toThrow();
      const created = await store().create({ label: 'valid' });
      await expect(
        store().update(created.id, { rampPercent: 150 }),
        'Version store (docs/contract.md), records, duplicate and missing ids: store().update(created.id, { rampPercent: 150 })',
      ).rejects.toThrow();
      expect(
        (await store().get(created.id))?.rampPercent,
        'Version store (docs/contract.md), records, duplicate and missing ids: (await store().get(created.id))?.rampPercent',
      ).toBeUndefined();
      expect(
        (await store().list()).data.map((version) => version.id),
        'Version store (docs/contract.md), records, duplicate and missing ids: (await store().list()).data.map((version) => version.id)',
      ).toEqual([created.id]);
    });

    it('deletes a version', async () => {
      const created = await store().create({ label: 'gone soon' });
      await store().delete(created.id);
      expect(
        await store().get(created.id),
        'Version store (docs/contract.md), records, duplicate and missing ids: await store().get(created.id)',
      ).toBeNull();
      expect(
        (await store().list()).data,
        'Version store (docs/contract.md), records, duplicate and missing ids: (await store().list()).data',
      ).toEqual([]);
    });

    it('rejects deleting a missing version with VersionNotFoundError', async () => {
      await expectRejectionNamed(store().delete('vers_missing'), 'VersionNotFoundError');
    });
  });
}
