export {
  type BuildWorkflowsOptions,
  type BuiltWorkflows,
  buildWorkflowFixtures,
  buildWorkflows,
  FIXTURES_DIRECTORY,
} from './build-workflows.js';
export {
  describeWorldConformance,
  type WorldConformanceOptions,
  type WorldFactoryContext,
} from './describe-world-conformance.js';
export {
  duplicateEvents,
  eventTypes,
  listAllEvents,
  listAllSteps,
  listHooks,
  waitFor,
  waitForRun,
  waitForRunsWhileProgressing,
} from './run-inspection.js';
export { startWorkflowServer, type WorkflowServer } from './workflow-server.js';
