import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { World } from '@workflow/world';
import { withDeploymentScope } from '../compute/registration-scope.js';
import { type VersionManifest, versionManifestSchema } from '../contracts/versions.js';
import { assertCommonJsScope } from './commonjs-scope.js';
import { installWorld } from './install-world.js';
import { withIsolatedStepRegistry } from './isolated-step-registry.js';
import { registerLoadedManifest } from './loaded-manifests.js';
import { versionRoutingWorld } from './version-routing-world.js';
import { findWorkflowBundles } from './workflow-bundle-paths.js';
import { createWorkflowCatalog, type WorkflowReference } from './workflow-catalog.js';

export type { WorkflowReference } from './workflow-catalog.js';

export interface LoadWorkflowCodeSettings {
  /** The World the loaded code runs on; it becomes the runtime's World for this process. */
  world: World;
  /** The directory `wf build` ran in (it contains `.well-known/workflow/v1`). */
  directory: string;
  /**
   * The version the code belongs to. Defaults to a composed World's own deploymentId;
   * required for any other World, whose `getDeploymentId()` is asynchronous.
   */
  deploymentId?: string;
}

export interface LoadedWorkflowCode {
  deploymentId: string;
  /** The build's `manifest.json`. */
  manifest: VersionManifest;
  /** A workflow by function name (e.g. `orderWorkflow`), in the form `start()` accepts. */
  workflow(name: string): WorkflowReference;
  /** Resumes a `createWebhook()` hook; the token is the last path segment of the URL. */
  handleWebhook(request: Request): Promise<Response>;
  /**
   * Serves `/.well-known/workflow/v1/{flow,step,webhook/:token}` for hosts that receive
   * deliveries over HTTP (e.g. an existing World whose queue posts to the deployment).
   */
  handleRequest(request: Request): Promise<Response>;
}

type RouteHandler = (request: Request) => Promise<Response>;
type RouteModule = Partial<Record<string, RouteHandler>>;

const requireBundle = createRequire(import.meta.url);
/** The routes a deployment answers, under any base path. */
const WORKFLOW_ROUTE = /\/\.well-known\/workflow\/v1\/(flow|step|webhook\/[^/]+)\/?$/;

/**
 * Loads the bundles `wf build` produced so their workflows and steps run on `world`.
 *
 * The bundles call `createQueueHandler` while they load, so the World must be installed
 * first and the load must happen inside the deployment's registration scope: that is how
 * an in-process compute slot learns which version the handlers belong to. Each call
 * evaluates the bundles afresh, so the same build can be loaded into several Worlds (or
 * under several versions) in one process.
 */
export function loadWorkflowCode(settings: LoadWorkflowCodeSettings): LoadedWorkflowCode {
  const paths = findWorkflowBundles(settings.directory);
  assertCommonJsScope(paths.routeDirectory);
  const deploymentId = settings.deploymentId ?? composedDeploymentId(settings.world);
  const manifest = versionManifestSchema.parse(JSON.parse(readFileSync(paths.manifest, 'utf8')));

  // Wrapped so queue calls made while one version's handler runs stay on that version.
  installWorld(versionRoutingWorld(settings.world));
  // Both bundles of one version share one step registry, and no other version's (see
  // withIsolatedStepRegistry): each version runs its own steps even when stepIds coincide.
  const { flow, step } = withIsolatedStepRegistry(() =>
    withDeploymentScope(deploymentId, () => ({
      flow: loadFresh(paths.flow),
      step: loadFresh(paths.step),
    })),
  );
  registerLoadedManifest(deploymentId, manifest);

  // webhook.js is an ES module that imports `workflow/api` (not bundled), so it is imported
  // on first use; it reads the World from the same process-wide slot as the bundles.
  let webhook: Promise<RouteModule> | undefined;
  const handleWebhook: RouteHandler = async (request) => {
    // The generated route decodes the token with decodeURIComponent, which throws on a
    // malformed escape (`/webhook/%`): refuse it here instead of failing the host's request.
    if (!hasDecodableLastSegment(new URL(request.url).pathname)) {
      return new Response('Malformed webhook token', { status: 400 });
    }
    webhook ??= import(pathToFileURL(paths.webhook).href) as Promise<RouteModule>;
    return routeByMethod(await webhook, request, 'webhook.js');
  };

  const handleRequest: RouteHandler = async (request) => {
    const { pathname } = new URL(request.url);
    const route = WORKFLOW_ROUTE.exec(pathname)?.[1];
    if (route === 'flow') return routeByMethod(flow, request, 'flow.js');
    if (route === 'step') return routeByMethod(step, request, 'step.js');
    if (route?.startsWith('webhook/')) return handleWebhook(request);
    return new Response(`No workflow route at ${pathname}`, { status: 404 });
  };

  return {
    deploymentId,
    manifest,
    workflow: createWorkflowCatalog(manifest),
    handleWebhook,
    handleRequest,
  };
}

function composedDeploymentId(world: World): string {
  const deploymentId = (world as { worldkit?: { deploymentId?: unknown } }).worldkit?.deploymentId;
  if (typeof deploymentId === 'string') return deploymentId;
  throw new Error(
    'loadWorkflowCode needs `deploymentId` for a World that was not composed by Worldkit ' +
      '(pass the value of `await world.getDeploymentId()`).',
  );
}

function hasDecodableLastSegment(pathname: string): boolean {
  try {
    decodeURIComponent(pathname.slice(pathname.lastIndexOf('/') + 1));
    return true;
  } catch {
    return false;
  }
}

/** Evaluates a CommonJS bundle even if this process loaded it before (see loadWorkflowCode). */
function loadFresh(path: string): RouteModule {
  delete requireBundle.cache[requireBundle.resolve(path)];
  return requireBundle(path) as RouteModule;
}

async function routeByMethod(
  module: RouteModule,
  request: Request,
  file: string,
): Promise<Response> {
  const handler = module[request.method.toUpperCase()];
  if (!handler) {
    return new Response(`${file} does not handle ${request.method}`, {
      status: 405,
      headers: { allow: Object.keys(module).join(', ') },
    });
  }
  return handler(request);
}
