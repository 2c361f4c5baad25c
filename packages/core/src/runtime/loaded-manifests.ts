import type { VersionManifest } from '../contracts/versions.js';

/**
 * Manifests of the code loaded in this process, by version id: what `getManifest()` answers for
 * running code, without a round trip to the version store. Process-wide for the same reason as
 * the handler registry: bundles and Worlds may be created several times per process.
 */
const MANIFESTS = Symbol.for('@worldkit/core//loaded-manifests');
type ManifestHolder = { [MANIFESTS]?: Map<string, VersionManifest> };

function manifests(): Map<string, VersionManifest> {
  const holder = globalThis as ManifestHolder;
  holder[MANIFESTS] ??= new Map();
  return holder[MANIFESTS];
}

export function registerLoadedManifest(deploymentId: string, manifest: VersionManifest): void {
  manifests().set(deploymentId, manifest);
}

/** The manifest of the code loaded for `deploymentId` in this process, if any. */
export function loadedManifest(deploymentId: string): VersionManifest | undefined {
  return manifests().get(deploymentId);
}
