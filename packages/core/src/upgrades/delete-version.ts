import type { ComposedWorld } from '../compose/create-world.js';
import { ACTIVE_RUN_STATUSES, listRunsByStatus } from './run-listing.js';
import { VersionInUseError } from './upgrade-errors.js';

/**
 * Deletes a version record, refusing with `VersionInUseError` while runs are pinned to it and
 * still pending or running (they would be stranded: nothing could deliver to their code).
 * `force` deletes anyway. The store itself still refuses to delete the current version.
 */
export async function deleteVersion(
  world: ComposedWorld,
  versionId: string,
  options: { force?: boolean } = {},
): Promise<void> {
  if (!options.force) {
    const active = (await listRunsByStatus(world, ACTIVE_RUN_STATUSES)).filter(
      (run) => run.deploymentId === versionId,
    ).length;
    if (active > 0) throw new VersionInUseError(versionId, active);
  }
  await world.worldkit.versions.delete(versionId);
}
