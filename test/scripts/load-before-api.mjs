// Loads workflow code before the host first imports `workflow/api`, then runs a workflow.
// Guards against the step registry being lost when the runtime is imported late.
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { local } from '@worldkit/local';
import { buildWorkflowFixtures } from '@worldkit/testing/build-workflows';

const { directory } = await buildWorkflowFixtures();
const world = createWorld({ ...local({ memory: true }) });
const code = loadWorkflowCode({ world, directory });
await world.start();
const { start } = await import('workflow/api');
const run = await start(code.workflow('sequentialWorkflow'), [1, 2]);
console.log('value', await run.returnValue);
await world.close();
process.exit(0);
