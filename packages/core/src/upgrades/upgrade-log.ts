import type { ComposedWorld } from '../compose/create-world.js';
import type { UpgradeLog, UpgradeLogFilter, UpgradeRecord } from '../contracts/versions.js';
import { createMemoryUpgradeLog } from '../versions/memory-upgrade-log.js';

/** Per World: the in-process log used when its version store has none. */
const fallbackLogs = new WeakMap<ComposedWorld, UpgradeLog>();

/**
 * The World's durable upgrade log, or an in-process one (with a warning, once): upgrades still
 * work, but their idempotency only holds within this process.
 */
export function upgradeLogOf(world: ComposedWorld): UpgradeLog {
  const durable = world.worldkit.versions.upgrades;
  if (durable) return durable;
  let fallback = fallbackLogs.get(world);
  if (!fallback) {
    world.worldkit.container.cradle.context.logger.warn(
      `the version store "${world.worldkit.providers.versions.name}" keeps no upgrade log; upgrades are recorded in this process only`,
    );
    fallback = createMemoryUpgradeLog();
    fallbackLogs.set(world, fallback);
  }
  return fallback;
}

/** Recorded upgrades, oldest first; filter by run (old or new) or by version (from or to). */
export function listUpgrades(
  world: ComposedWorld,
  filter?: UpgradeLogFilter,
): Promise<UpgradeRecord[]> {
  return upgradeLogOf(world).list(filter);
}
