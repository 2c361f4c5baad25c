import type { ComposedWorld } from '@worldkit/core';

/**
 * The CLI loads no workflow code, so a target version is only known through its record;
 * naming a missing one is a typo better reported as such than as "no manifest".
 */
export async function assertVersionExists(world: ComposedWorld, versionId: string): Promise<void> {
  if (!(await world.worldkit.versions.get(versionId))) {
    throw new Error(`version "${versionId}" does not exist (see \`worldkit version list\`)`);
  }
}
