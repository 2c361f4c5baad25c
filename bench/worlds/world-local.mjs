/**
 * The reference World, `@workflow/world-local@4.4.1`, with its files in the run's data dir.
 *
 * Delivery is in-process, through world-local's own direct path: `world.registerHandler(prefix,
 * POST)` makes its queue call the bundle's `POST` with a `Request` instead of fetching
 * `http://localhost:<port>/.well-known/workflow/v1/...` (dist/queue.js, `directHandlers`),
 * routed by loadWorkflowCode's `handleRequest`. That is its fastest path, so the comparison
 * does not charge it for loopback HTTP.
 */
import { directoryBytes } from '../storage-size.mjs';

export const benchWorlds = [
  {
    name: 'world-local',
    needs: [],
    async open({ dataDir }) {
      const { createLocalWorld } = await import('@workflow/world-local');
      const world = createLocalWorld({ dataDir, recoverActiveRuns: false });
      return {
        world,
        description: `@workflow/world-local 4.4.1, files in ${dataDir}, in-process delivery (registerHandler)`,
        afterLoad(code) {
          // The queue builds Requests for http://localhost/.well-known/workflow/v1/{flow,step},
          // which handleRequest routes to the bundles' POST exports.
          world.registerHandler('__wkf_workflow_', code.handleRequest);
          world.registerHandler('__wkf_step_', code.handleRequest);
        },
        storageBytes: () => directoryBytes(dataDir),
      };
    },
  },
];
