import type { VersionManifest } from '../contracts/versions.js';

/** What `start()` from `workflow/api` needs: the id the build gave the workflow function. */
export interface WorkflowReference {
  workflowId: string;
  /** The exported function name, e.g. `orderWorkflow`. */
  workflowName: string;
  /** The source file the workflow was built from, relative to the build directory. */
  file: string;
}

/**
 * Looks workflows up by function name in a build manifest. The manifest keys workflows by
 * source file, so the same name can appear in two files; such a name must be given as
 * `file#name` (or as the full workflowId) to say which one.
 */
export function createWorkflowCatalog(manifest: VersionManifest) {
  const references: WorkflowReference[] = [];
  for (const [file, workflows] of Object.entries(manifest.workflows ?? {})) {
    for (const [workflowName, entry] of Object.entries(workflows)) {
      references.push({ workflowId: entry.workflowId, workflowName, file });
    }
  }

  return function workflow(name: string): WorkflowReference {
    const matches = references.filter(
      (reference) =>
        reference.workflowName === name ||
        reference.workflowId === name ||
        `${reference.file}#${reference.workflowName}` === name,
    );
    if (matches.length === 1) return matches[0]!;
    const known = references.map((reference) => reference.workflowName).sort();
    if (matches.length === 0) {
      throw new Error(
        `No workflow named "${name}" in this build. Known workflows: ${known.join(', ') || 'none'}.`,
      );
    }
    throw new Error(
      `The workflow name "${name}" is defined in several files; use one of: ${matches
        .map((reference) => `${reference.file}#${reference.workflowName}`)
        .join(', ')}.`,
    );
  };
}
