import type { VersionStore } from '@worldkit/core';
import { describe, expect } from 'vitest';
import { it } from '../../conformance.js';
import { expectRejectionNamed } from '../rejection.js';

export function describeVersionPromotion(store: () => VersionStore): void {
  describe('promote and getCurrent', () => {
    it('has no current version before the first promotion', async () => {
      await store().create({ label: 'never promoted' });
      expect(
        await store().getCurrent(),
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: await store().getCurrent()',
      ).toBeNull();
    });

    it('makes the promoted version current, stamps promotedAt and ends its ramp', async () => {
      const candidate = await store().create({ label: 'candidate' });
      await store().update(candidate.id, { rampPercent: 10, status: 'draining' });
      const promoted = await store().promote(candidate.id);
      expect(
        promoted,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: promoted',
      ).toMatchObject({ id: candidate.id, status: 'active' });
      expect(
        promoted.promotedAt,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: promoted.promotedAt',
      ).toBeInstanceOf(Date);
      expect(
        promoted.rampPercent,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: promoted.rampPercent',
      ).toBeUndefined();
      const current = await store().getCurrent();
      expect(
        current?.id,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: current?.id',
      ).toBe(candidate.id);
      expect(
        current?.promotedAt,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: current?.promotedAt',
      ).toBeInstanceOf(Date);
      expect(
        current,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: current',
      ).toEqual(await store().get(candidate.id));
    });

    it('moves current to the newest promotion', async () => {
      const first = await store().create({ label: 'first' });
      const second = await store().create({ label: 'second' });
      await store().promote(first.id);
      await store().promote(second.id);
      expect(
        (await store().getCurrent())?.id,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: (await store().getCurrent())?.id',
      ).toBe(second.id);
      await store().promote(first.id);
      expect(
        (await store().getCurrent())?.id,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: (await store().getCurrent())?.id',
      ).toBe(first.id);
    });

    it('rejects promoting a missing version with VersionNotFoundError and keeps current', async () => {
      const current = await store().create({ label: 'current' });
      await store().promote(current.id);
      await expectRejectionNamed(store().promote('vers_missing'), 'VersionNotFoundError');
      expect(
        (await store().getCurrent())?.id,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: (await store().getCurrent())?.id',
      ).toBe(current.id);
    });

    it('refuses to delete the current version with VersionConflictError', async () => {
      const current = await store().create({ label: 'current' });
      await store().promote(current.id);
      await expectRejectionNamed(store().delete(current.id), 'VersionConflictError');
      expect(
        await store().get(current.id),
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: await store().get(current.id)',
      ).not.toBeNull();
      expect(
        (await store().getCurrent())?.id,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: (await store().getCurrent())?.id',
      ).toBe(current.id);
    });

    it('deletes a former current version once another one is promoted', async () => {
      const old = await store().create({ label: 'old' });
      const next = await store().create({ label: 'next' });
      await store().promote(old.id);
      await store().promote(next.id);
      await store().delete(old.id);
      expect(
        await store().get(old.id),
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: await store().get(old.id)',
      ).toBeNull();
      expect(
        (await store().getCurrent())?.id,
        'Version store (docs/contract.md), getCurrent() and promote(); the current version cannot be deleted: (await store().getCurrent())?.id',
      ).toBe(next.id);
    });
  });
}
