/**
 * Key layout of the single table (README, "Table design"). Everything a run owns lives in its
 * partition, so the run's whole state can be read consistently and deleted together.
 */
export const runPartition = (runId: string) => `RUN#${runId}`;

/** The run entity. */
export const RUN_SORT = '#RUN';
/**
 * The run's write guard and log counter: `lastSeq`, the last taken log position. A guarded
 * write updates it with a condition on the value it read (optimistic locking); a reserved write
 * increments it to take its positions (`sequenced-events.ts`). Older runs: `lastEventId`.
 */
export const LOG_SORT = '#LOG';
export const STEP_PREFIX = 'STEP#';
export const HOOK_PREFIX = 'HOOK#';
export const WAIT_PREFIX = 'WAIT#';
export const EVENT_PREFIX = 'EVT#';

export const runKey = (runId: string) => ({ pk: runPartition(runId), sk: RUN_SORT });
export const logKey = (runId: string) => ({ pk: runPartition(runId), sk: LOG_SORT });
export const stepKey = (runId: string, stepId: string) => ({
  pk: runPartition(runId),
  sk: `${STEP_PREFIX}${stepId}`,
});
export const hookKey = (runId: string, hookId: string) => ({
  pk: runPartition(runId),
  sk: `${HOOK_PREFIX}${hookId}`,
});
export const waitKey = (runId: string, waitId: string) => ({
  pk: runPartition(runId),
  sk: `${WAIT_PREFIX}${waitId}`,
});
export const eventKey = (runId: string, eventId: string) => ({
  pk: runPartition(runId),
  sk: `${EVENT_PREFIX}${eventId}`,
});
/** One per live token: the item whose existence makes a token unique across runs. */
export const tokenKey = (token: string) => ({ pk: `TOKEN#${token}`, sk: '#TOKEN' });
/** A hook token item: global, not in any run's partition (so never covered by a run's guard). */
export const isTokenKey = (key: { pk: string }) => key.pk.startsWith('TOKEN#');

/** Partition keys of the `lookup` index, by what they look up. */
export const lookup = {
  runsOfWorkflow: (workflowName: string) => `WF#${workflowName}`,
  step: (stepId: string) => `STEPID#${stepId}`,
  hook: (hookId: string) => `HOOKID#${hookId}`,
  eventsOfCorrelation: (correlationId: string) => `CORR#${correlationId}`,
  versions: 'VERSIONS',
  upgrades: 'UPGRADES',
} as const;

export const runsWithStatus = (status: string) => `STATUS#${status}`;
export const runsOfDeployment = (deploymentId: string) => `DEPLOY#${deploymentId}`;
export const ALL_RUNS = 'RUNS';
export const activeRunsOfDeployment = (deploymentId: string) => `ACTIVE#${deploymentId}`;

export type ItemKey = { pk: string; sk: string };
