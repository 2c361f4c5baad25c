import type { ComposedWorld } from '../compose/create-world.js';
import type { VersionManifest } from '../contracts/versions.js';
import { loadedManifest } from '../runtime/loaded-manifests.js';

/**
 * The manifest of a version: the one stored on its record, else the one of its code loaded in
 * this process. Without `versionId`, the manifest of the code this World runs (its deploymentId).
 */
export async function getManifest(
  world: ComposedWorld,
  versionId: string = world.worldkit.deploymentId,
): Promise<VersionManifest | null> {
  const version = await world.worldkit.versions.get(versionId);
  return version?.manifest ?? loadedManifest(versionId) ?? null;
}

export function manifestWorkflowIds(manifest: VersionManifest): Set<string> {
  return new Set(
    Object.values(manifest.workflows ?? {}).flatMap((byName) =>
      Object.values(byName).map((entry) => entry.workflowId),
    ),
  );
}

export function manifestStepIds(manifest: VersionManifest): Set<string> {
  return new Set(
    Object.values(manifest.steps ?? {}).flatMap((byName) =>
      Object.values(byName).map((entry) => entry.stepId),
    ),
  );
}

/** The input schema for a workflow, keyed by workflowId or by its function name. */
export function manifestInputSchema(manifest: VersionManifest, workflowId: string): unknown {
  const schemas = manifest.inputSchemas ?? {};
  if (workflowId in schemas) return schemas[workflowId];
  const functionName = workflowId.split('//').at(-1) ?? workflowId;
  return schemas[functionName];
}
