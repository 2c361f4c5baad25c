import { describe, expect, it } from 'vitest';
import { chooseVersionForNewRun } from './choose-version-for-new-run.js';
import { createMemoryVersionStore } from './memory-version-store.js';

describe('chooseVersionForNewRun', () => {
  it('starts new runs on the promoted version, and a ramp share on the candidate', async () => {
    const store = createMemoryVersionStore();
    expect(await chooseVersionForNewRun(store)).toBeNull();
    await store.create({ id: 'stable' });
    await store.create({ id: 'candidate' });
    await store.promote('stable');
    expect(await chooseVersionForNewRun(store, () => 0)).toBe('stable');

    await store.update('candidate', { rampPercent: 25 });
    expect(await chooseVersionForNewRun(store, () => 0.1)).toBe('candidate');
    expect(await chooseVersionForNewRun(store, () => 0.2499)).toBe('candidate');
    expect(await chooseVersionForNewRun(store, () => 0.25)).toBe('stable');

    // A retired candidate gets no traffic, whatever its ramp says.
    await store.update('candidate', { status: 'retired' });
    expect(await chooseVersionForNewRun(store, () => 0)).toBe('stable');
  });
});
