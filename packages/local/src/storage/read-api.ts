import { HookNotFoundError, WorkflowRunNotFoundError, WorkflowWorldError } from '@workflow/errors';
import type {
  Event,
  GetEventParams,
  GetHookParams,
  GetStepParams,
  GetWorkflowRunParams,
  ListEventsByCorrelationIdParams,
  ListEventsParams,
  ListHooksParams,
  ListWorkflowRunStepsParams,
  ListWorkflowRunsParams,
  Storage,
} from '@workflow/world';
import { presentEvent, presentHook, presentRun, presentStep } from './copies.js';
import type { LocalStore } from './local-store.js';
import { readPage } from './pagination.js';
import type { RunRecord } from './storage-state.js';

/**
 * `runs.list` also filters by `deploymentId`, which the 4.5 params type does not declare but
 * version tooling (drain reports, upgrades) needs.
 */
type ListRunsParams = ListWorkflowRunsParams & { deploymentId?: string };

/** Every read answers from memory with copies, after the store has finished opening. */
export function createReadApi(openStore: () => Promise<LocalStore>) {
  const runs = {
    async get(id: string, params?: GetWorkflowRunParams) {
      const { state } = await openStore();
      const record = state.runs.get(id);
      if (!record) throw new WorkflowRunNotFoundError(id);
      return presentRun(record.run, params?.resolveData ?? 'all');
    },
    async list(params?: ListRunsParams) {
      const { state } = await openStore();
      const resolveData = params?.resolveData ?? 'all';
      const { workflowName, status, deploymentId } = params ?? {};
      const filtered = workflowName !== undefined || status !== undefined || !!deploymentId;
      const accept = ({ run }: RunRecord) =>
        (workflowName === undefined || run.workflowName === workflowName) &&
        (status === undefined || run.status === status) &&
        (!deploymentId || run.deploymentId === deploymentId);
      return readPage(
        state.runOrder,
        params?.pagination,
        'desc',
        (record) => presentRun(record.run, resolveData),
        filtered ? accept : undefined,
      );
    },
  };

  const steps = {
    async get(runId: string | undefined, stepId: string, params?: GetStepParams) {
      const { state } = await openStore();
      const owner = runId ?? state.runIdByStepId.get(stepId);
      const step = owner === undefined ? undefined : state.runs.get(owner)?.steps.get(stepId);
      if (!step) {
        const where = runId === undefined ? '' : ` in run "${runId}"`;
        throw new WorkflowWorldError(`Step "${stepId}"${where} not found`, { status: 404 });
      }
      return presentStep(step, params?.resolveData ?? 'all');
    },
    async list(params: ListWorkflowRunStepsParams) {
      const { state } = await openStore();
      const resolveData = params.resolveData ?? 'all';
      return readPage(state.runs.get(params.runId)?.stepOrder, params.pagination, 'desc', (step) =>
        presentStep(step, resolveData),
      );
    },
  };

  const events = {
    async get(runId: string, eventId: string, params?: GetEventParams): Promise<Event> {
      const { state } = await openStore();
      const event = state.runs.get(runId)?.eventsById.get(eventId);
      if (!event) {
        throw new WorkflowWorldError(`Event "${eventId}" in run "${runId}" not found`, {
          status: 404,
        });
      }
      return presentEvent(event, params?.resolveData ?? 'all');
    },
    async list(params: ListEventsParams) {
      const { state } = await openStore();
      const resolveData = params.resolveData ?? 'all';
      return readPage(state.runs.get(params.runId)?.events, params.pagination, 'asc', (event) =>
        presentEvent(event, resolveData),
      );
    },
    async listByCorrelationId(params: ListEventsByCorrelationIdParams) {
      const { state } = await openStore();
      const resolveData = params.resolveData ?? 'all';
      const { runId } = params;
      return readPage(
        state.eventsByCorrelationId.get(params.correlationId),
        params.pagination,
        'asc',
        (event) => presentEvent(event, resolveData),
        runId === undefined ? undefined : (event) => event.runId === runId,
      );
    },
  };

  const hooks = {
    async get(hookId: string, params?: GetHookParams) {
      const { state } = await openStore();
      const hook = state.hooks.get(hookId);
      if (!hook) throw new HookNotFoundError(hookId);
      return presentHook(hook, params?.resolveData ?? 'all');
    },
    async getByToken(token: string, params?: GetHookParams) {
      const { state } = await openStore();
      const hook = state.hookByToken(token);
      if (!hook) throw new HookNotFoundError(token);
      return presentHook(hook, params?.resolveData ?? 'all');
    },
    async list(params?: ListHooksParams) {
      const { state } = await openStore();
      const resolveData = params?.resolveData ?? 'all';
      const list =
        params?.runId === undefined ? state.hookOrder : state.runs.get(params.runId)?.hooks;
      return readPage(list, params?.pagination, 'asc', (hook) => presentHook(hook, resolveData));
    },
  };

  return {
    runs: runs as unknown as Storage['runs'],
    steps: steps as unknown as Storage['steps'],
    events,
    hooks: hooks as Storage['hooks'],
  };
}
