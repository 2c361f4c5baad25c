import { describe, expect, it } from 'vitest';
import {
  newVersionRecord,
  promotedVersionRecord,
  updatedVersionRecord,
} from './version-records.js';

const at = new Date('2026-11-23T10:00:00Z');
const later = new Date('2026-11-23T11:00:00Z');

describe('version record transitions', () => {
  it('creates an active record stamped with one time', () => {
    expect(newVersionRecord({ label: 'v1', address: 'https://v1.example' }, 'vers_1', at)).toEqual({
      schemaVersion: 1,
      id: 'vers_1',
      label: 'v1',
      address: 'https://v1.example',
      manifest: undefined,
      metadata: undefined,
      status: 'active',
      createdAt: at,
      updatedAt: at,
    });
  });

  it('updates only the given fields, and null removes the ramp', () => {
    const ramped = updatedVersionRecord(newVersionRecord({ label: 'v1' }, 'vers_1', at), {
      rampPercent: 10,
      label: undefined,
    });
    expect(ramped).toMatchObject({ label: 'v1', rampPercent: 10 });
    const unramped = updatedVersionRecord(ramped, { rampPercent: null, status: 'draining' }, later);
    expect(unramped).not.toHaveProperty('rampPercent');
    expect(unramped).toMatchObject({
      label: 'v1',
      status: 'draining',
      createdAt: at,
      updatedAt: later,
    });
  });

  it('promotes to active, clears the ramp and stamps promotedAt', () => {
    const draining = {
      ...newVersionRecord({}, 'vers_1', at),
      status: 'draining' as const,
      rampPercent: 5,
    };
    const promoted = promotedVersionRecord(draining, later);
    expect(promoted).toMatchObject({ status: 'active', promotedAt: later, updatedAt: later });
    expect(promoted).not.toHaveProperty('rampPercent');
    expect(draining.rampPercent).toBe(5);
  });
});
