import { decodeTime, monotonicFactory } from 'ulid';

/**
 * Identifiers for entities the suite creates.
 *
 * Run ids are real ULIDs (`wrun_<ulid>`): storages such as world-local validate that a client-given
 * run id carries a current timestamp. Ids are monotonic within this process so that entities created
 * in the same millisecond still sort in creation order, which the ordering tests rely on.
 * Ids never contain `.` or `/` because file-backed storages use them as file names.
 */
// The ulid package's monotonic factory keeps ids created in one millisecond in creation order.
const monotonicUlid = monotonicFactory();

export const newRunId = (): string => `wrun_${monotonicUlid()}`;
export const newStepId = (): string => `step_${monotonicUlid()}`;
export const newHookId = (): string => `hook_${monotonicUlid()}`;
export const newWaitId = (): string => `wait_${monotonicUlid()}`;
export const newHookToken = (): string => `token-${monotonicUlid()}`;
/** A workflow name unique to one test, so list filters never see another test's runs. */
export const newWorkflowName = (label = 'wf'): string =>
  `workflow//./conformance//${label}_${monotonicUlid()}`;

/**
 * The millisecond time inside a ULID-based id such as `evnt_<ULID>`. The runtime sends the time of
 * the newest event it loaded as `stateUpdatedAt`, so tests derive snapshots the same way.
 */
export const ulidTimeOf = (id: string): number => decodeTime(id.slice(id.lastIndexOf('_') + 1));
