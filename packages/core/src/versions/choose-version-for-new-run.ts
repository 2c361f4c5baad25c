import type { VersionStore } from '../contracts/versions.js';

/**
 * The version a new run starts on: the promoted version, except for the share of runs a ramp
 * sends to a candidate (an active, not promoted version with `rampPercent` > 0). Several
 * candidates split the ramp in creation order; their percentages add up to at most 100.
 * Returns `null` before the first promotion when no candidate ramps.
 */
export async function chooseVersionForNewRun(
  store: VersionStore,
  random: () => number = Math.random,
): Promise<string | null> {
  const current = await store.getCurrent();
  const candidates = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ limit: 1000, cursor });
    candidates.push(
      ...page.data.filter(
        (version) =>
          version.id !== current?.id &&
          version.status === 'active' &&
          (version.rampPercent ?? 0) > 0,
      ),
    );
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);

  const roll = random() * 100;
  let threshold = 0;
  for (const candidate of candidates) {
    threshold += candidate.rampPercent ?? 0;
    if (roll < threshold) return candidate.id;
  }
  return current?.id ?? null;
}
