import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where `wf build` writes its output, relative to the build's working directory. */
export const WORKFLOW_ROUTE_DIRECTORY = join('.well-known', 'workflow', 'v1');

export interface WorkflowBundlePaths {
  routeDirectory: string;
  flow: string;
  step: string;
  webhook: string;
  manifest: string;
}

/**
 * Locates the files `wf build` produced under `directory`. Fails with one message that names
 * every missing file, because a half-built directory usually means the build did not finish.
 */
export function findWorkflowBundles(directory: string): WorkflowBundlePaths {
  const routeDirectory = join(resolve(directory), WORKFLOW_ROUTE_DIRECTORY);
  const paths: WorkflowBundlePaths = {
    routeDirectory,
    flow: join(routeDirectory, 'flow.js'),
    step: join(routeDirectory, 'step.js'),
    webhook: join(routeDirectory, 'webhook.js'),
    manifest: join(routeDirectory, 'manifest.json'),
  };
  const missing = [paths.flow, paths.step, paths.webhook, paths.manifest].filter(
    (path) => !existsSync(path),
  );
  if (missing.length > 0) {
    throw new Error(
      `No built workflow code in ${resolve(directory)}: missing ${missing.join(', ')}. ` +
        'Run `wf build` (from the `workflow` package) in that directory first.',
    );
  }
  return paths;
}
