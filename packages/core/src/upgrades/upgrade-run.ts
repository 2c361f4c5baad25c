import { EntityConflictError } from '@workflow/errors';
import type { CreateEventRequest, Event, WorkflowRun } from '@workflow/world';
import { monotonicFactory } from 'ulid';
import type { ComposedWorld } from '../compose/create-world.js';
import type { UpgradeRecord, UpgradeStrategy } from '../contracts/versions.js';
import { checkInput, eventLogProblems } from './compatibility.js';
import { mapCorrelationIds } from './correlation-ids.js';
import { planEventCopy, UnknownCutPointError } from './event-copy-plan.js';
import { getManifest, manifestStepIds } from './manifest-lookup.js';
import { replayCheck } from './replay-check.js';
import { listRunEvents } from './run-listing.js';
import {
  aliasesForLiveTokens,
  describeTokenCarryOver,
  hookTokensOf,
  liveTokensIn,
  planTokenRekey,
  rekeyEventData,
  tokenCarryOverProblems,
} from './token-carry-over.js';
import { upgradeLogOf } from './upgrade-log.js';

export type { UpgradeStrategy } from '../contracts/versions.js';

export interface UpgradeRunOptions {
  /** Target version id. */
  to: string;
  strategy: UpgradeStrategy;
  /** For `cancel-and-partial-resume`: the last event of the old run to keep. */
  cutAfterEventId?: string;
  /** Check and plan only; nothing is written. */
  dryRun?: boolean;
}

export interface UpgradeResult {
  runId: string;
  newRunId?: string;
  fromVersion: string;
  toVersion: string;
  strategy: UpgradeStrategy;
  status: 'upgraded' | 'dry-run' | 'already-upgraded' | 'refused' | 'skipped';
  reasons: string[];
  /** Events of the old run copied (or, for a dry run, that would be copied) into the new one. */
  copiedEvents: number;
  /** The upgrade log entry (absent for refused, skipped and dry runs). */
  upgradeId?: string;
  /** Why the run's input was not checked against the target's input schema (e.g. it is encrypted). */
  inputNotCheckedReason?: string;
  /** Why the target's code did not replay the copied log first (resume strategies only). */
  replayNotCheckedReason?: string;
}

const nextUlid = monotonicFactory();
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Moves one in-flight run to another version (RFC "Upgrade API"). All writes go through
 * `events.create`, in an order chosen so that every step can be repeated:
 *
 * 1. checks (nothing written when they fail, so a refused run keeps running untouched);
 * 2. a `started` record in the upgrade log that fixes the new run's id;
 * 3. `run_cancelled` on the old run — first, because that releases its hook tokens;
 * 4. `run_created` for the new run on the target version (same input), and for the resume
 *    strategies `run_started` plus a copy of the old log re-keyed to the new run;
 * 5. the new run's workflow message, queued to the target version;
 * 6. the record marked `completed`.
 *
 * If it stops anywhere after 2, calling it again finds the `started` record and finishes the
 * same new run (creating what is missing, copying only events not copied yet); a `completed`
 * record makes it answer `already-upgraded`.
 */
export async function upgradeRun(
  world: ComposedWorld,
  runId: string,
  options: UpgradeRunOptions,
): Promise<UpgradeResult> {
  const log = upgradeLogOf(world);
  const run = await world.runs.get(runId);
  const result = (status: UpgradeResult['status'], extra: Partial<UpgradeResult> = {}) => ({
    runId,
    fromVersion: run.deploymentId,
    toVersion: options.to,
    strategy: options.strategy,
    status,
    reasons: [],
    copiedEvents: 0,
    ...extra,
  });

  const previous = (await log.findByRun(runId)).at(-1);
  if (previous?.status === 'completed') {
    return result('already-upgraded', {
      newRunId: previous.newRunId,
      toVersion: previous.toVersion,
      strategy: previous.strategy,
      copiedEvents: previous.copiedEvents,
      upgradeId: previous.id,
      reasons: [`already upgraded to "${previous.toVersion}" as run "${previous.newRunId}"`],
    });
  }
  if (previous) {
    // An interrupted upgrade: finish it exactly as it was planned.
    return finish(world, run, previous, false);
  }

  if (TERMINAL.has(run.status)) {
    return result('skipped', { reasons: [`run is ${run.status}`] });
  }
  if (run.deploymentId === options.to) {
    return result('skipped', { reasons: [`run is already on version "${options.to}"`] });
  }
  if (options.strategy === 'cancel-and-partial-resume' && !options.cutAfterEventId) {
    return result('refused', {
      reasons: ['cancel-and-partial-resume needs cutAfterEventId (see checkCompatibility)'],
    });
  }

  const input = await checkInput(world, run, options.to);
  const problems = input.problems;
  const inputNote = input.notCheckedReason ? { inputNotCheckedReason: input.notCheckedReason } : {};
  const events = await listRunEvents(world, runId);
  const tokens = hookTokensOf(run, events);
  problems.push(...tokenCarryOverProblems(options.strategy, tokens));
  let copiedEvents = 0;
  let replayNote: Pick<UpgradeResult, 'replayNotCheckedReason'> = {};
  if (options.strategy !== 'cancel-and-restart' && problems.length === 0) {
    const manifest = await getManifest(world, options.to);
    try {
      const check = eventLogProblems(
        run,
        options.to,
        events,
        manifestStepIds(manifest ?? {}),
        options.cutAfterEventId,
      );
      problems.push(...check.problems);
      copiedEvents = planEventCopy(runId, events, options.cutAfterEventId).events.length;
      if (problems.length === 0) {
        // Replay the target's code over what would be copied; refuse a log it cannot reproduce.
        const replay = await replayCheck(world, run, options.to, events, options.cutAfterEventId);
        if (replay.status === 'diverged') problems.push(replay.problem);
        if (replay.status === 'not-checked') replayNote = { replayNotCheckedReason: replay.reason };
      }
    } catch (error) {
      if (!(error instanceof UnknownCutPointError)) throw error;
      return result('refused', { reasons: [error.message] });
    }
  }
  if (problems.length > 0) {
    return result('refused', { reasons: problems.map((problem) => problem.message) });
  }
  const newRunId = `wrun_${nextUlid()}`;
  if (options.dryRun) {
    return result('dry-run', {
      ...inputNote,
      ...replayNote,
      copiedEvents,
      reasons: [
        `would cancel "${runId}" and start a new run on "${options.to}"`,
        ...describeTokenCarryOver(options.strategy, tokens),
        ...(replayNote.replayNotCheckedReason
          ? [`replay not checked: ${replayNote.replayNotCheckedReason}`]
          : []),
      ],
    });
  }

  const at = new Date();
  const record: UpgradeRecord = {
    schemaVersion: 1,
    id: `upg_${nextUlid()}`,
    runId,
    newRunId,
    workflowName: run.workflowName,
    fromVersion: run.deploymentId,
    toVersion: options.to,
    strategy: options.strategy,
    status: 'started',
    ...(options.cutAfterEventId ? { cutAfterEventId: options.cutAfterEventId } : {}),
    copiedEvents: 0,
    createdAt: at,
    updatedAt: at,
  };
  await log.record(record);
  return { ...(await finish(world, run, record, true)), ...inputNote, ...replayNote };
}

async function finish(
  world: ComposedWorld,
  oldRun: WorkflowRun,
  record: UpgradeRecord,
  fresh: boolean,
): Promise<UpgradeResult> {
  const log = upgradeLogOf(world);
  // Read the log before cancelling: the copy is of what the old run had done up to the upgrade.
  const oldEvents =
    record.strategy === 'cancel-and-restart' ? [] : await listRunEvents(world, oldRun.runId);

  if (!TERMINAL.has(oldRun.status)) {
    await world.events.create(oldRun.runId, { eventType: 'run_cancelled' });
  }
  const newRun = await createNewRun(world, oldRun, record);

  let copiedEvents = 0;
  let tokenAliases = record.tokenAliases;
  if (record.strategy !== 'cancel-and-restart') {
    const copy = await copyEventLog(world, oldRun, newRun, oldEvents, record);
    copiedEvents = copy.copiedEvents;
    tokenAliases = copy.tokenAliases;
  }
  await world.queue(
    `__wkf_workflow_${oldRun.workflowName}`,
    { runId: record.newRunId },
    { deploymentId: record.toVersion },
  );
  const completed: UpgradeRecord = {
    ...record,
    status: 'completed',
    copiedEvents,
    ...(tokenAliases?.length ? { tokenAliases } : {}),
    updatedAt: new Date(),
  };
  await log.record(completed);
  return {
    runId: oldRun.runId,
    newRunId: record.newRunId,
    fromVersion: record.fromVersion,
    toVersion: record.toVersion,
    strategy: record.strategy,
    status: 'upgraded',
    reasons: fresh ? [] : ['finished an interrupted upgrade'],
    copiedEvents,
    upgradeId: record.id,
  };
}

/** `run_created` for the new run, or the run already created by an interrupted attempt. */
async function createNewRun(
  world: ComposedWorld,
  oldRun: WorkflowRun,
  record: UpgradeRecord,
): Promise<WorkflowRun> {
  try {
    const created = await world.events.create(record.newRunId, {
      eventType: 'run_created',
      specVersion: oldRun.specVersion,
      eventData: {
        deploymentId: record.toVersion,
        workflowName: oldRun.workflowName,
        input: oldRun.input,
        executionContext: {
          ...(oldRun.executionContext ?? {}),
          // The link from the new run back to the run it replaces.
          worldkitUpgrade: {
            upgradeId: record.id,
            fromRunId: oldRun.runId,
            fromVersion: record.fromVersion,
            strategy: record.strategy,
          },
        },
      },
    } as unknown as CreateEventRequest);
    if (!created.run) throw new Error(`run_created for "${record.newRunId}" returned no run`);
    return created.run;
  } catch (error) {
    if (!EntityConflictError.is(error)) throw error;
    return world.runs.get(record.newRunId);
  }
}

/**
 * Starts the new run (its `startedAt` seeds the ids and tokens its replay generates) and
 * appends the old run's events that are not in it yet, each re-keyed to the correlation id and
 * hook token the new run's replay will give the same call. The old run's generated tokens are
 * recorded as aliases first (token-carry-over.ts). Returns how many events the new run holds
 * from the old one, and the aliases.
 */
async function copyEventLog(
  world: ComposedWorld,
  oldRun: WorkflowRun,
  newRun: WorkflowRun,
  oldEvents: Event[],
  record: UpgradeRecord,
): Promise<{ copiedEvents: number; tokenAliases: UpgradeRecord['tokenAliases'] }> {
  const { cutAfterEventId } = record;
  let started = newRun;
  if (!started.startedAt) {
    const result = await world.events.create(newRun.runId, { eventType: 'run_started' });
    started = result.run ?? (await world.runs.get(newRun.runId));
  }
  if (!oldRun.startedAt || !started.startedAt) {
    throw new Error(`cannot resume "${oldRun.runId}": a run without startedAt has no replay seed`);
  }
  const plan = planEventCopy(oldRun.runId, oldEvents, cutAfterEventId);
  const rekey = mapCorrelationIds(
    { runId: oldRun.runId, workflowName: oldRun.workflowName, startedAt: oldRun.startedAt },
    { runId: newRun.runId, workflowName: newRun.workflowName, startedAt: started.startedAt },
    plan.events.flatMap((event) => (event.correlationId ? [event.correlationId] : [])),
  );
  if (!rekey) throw new Error(`cannot map the correlation ids of "${oldRun.runId}"`);
  const liveTokens = liveTokensIn(oldEvents);
  const tokens = planTokenRekey(oldRun, started, plan.events, liveTokens);
  const aliases = aliasesForLiveTokens(tokens, liveTokens);
  if (aliases.length > 0 && !record.tokenAliases) {
    await upgradeLogOf(world).record({ ...record, tokenAliases: aliases, updatedAt: new Date() });
  }

  const alreadyCopied = (await listRunEvents(world, newRun.runId)).filter(
    (event) => event.eventType !== 'run_created' && event.eventType !== 'run_started',
  ).length;
  for (const event of plan.events.slice(alreadyCopied)) {
    const request = {
      eventType: event.eventType,
      correlationId: event.correlationId ? rekey(event.correlationId) : undefined,
      ...('eventData' in event && event.eventData !== undefined
        ? { eventData: rekeyEventData(event, tokens) }
        : {}),
      ...(event.specVersion !== undefined ? { specVersion: event.specVersion } : {}),
    } as CreateEventRequest;
    await world.events.create(newRun.runId, request);
  }
  return { copiedEvents: plan.events.length, tokenAliases: aliases };
}
