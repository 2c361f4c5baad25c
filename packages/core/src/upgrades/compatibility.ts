import type { Event, WorkflowRun } from '@workflow/world';
import type { ComposedWorld } from '../compose/create-world.js';
import { mapCorrelationIds } from './correlation-ids.js';
import { planEventCopy } from './event-copy-plan.js';
import { checkAgainstSchema } from './input-schema-check.js';
import {
  getManifest,
  manifestInputSchema,
  manifestStepIds,
  manifestWorkflowIds,
} from './manifest-lookup.js';
import { type ReplayCheckResult, replayCheck } from './replay-check.js';
import { decodeRunInput } from './run-input-decoding.js';
import { listRunEvents } from './run-listing.js';
import { hookTokensOf } from './token-carry-over.js';
import { type CompatibilityProblem, IncompatibleUpgradeError } from './upgrade-errors.js';

export interface CompatibilityReport {
  compatible: boolean;
  problems: CompatibilityProblem[];
  /**
   * The last event a partial resume could keep: the event before the first step the target
   * does not know. Absent when the whole log is usable or nothing is.
   */
  suggestedCutAfterEventId?: string;
  /**
   * Whether the target's code was replayed over the log (only when the other checks pass and
   * its code is loaded in this process): `not-checked` says why not, so a clean report without
   * a replay is not mistaken for one with it.
   */
  replay?: ReplayCheckResult['status'];
  /** Why the replay was not run, when `replay` is `not-checked`. */
  replayNotCheckedReason?: string;
  /**
   * Present when the target declares an input schema for the workflow but the run's stored
   * input could not be read (e.g. it is encrypted): the input was not compared with the schema.
   * Not a problem, so it does not make the report incompatible.
   */
  inputNotCheckedReason?: string;
  /**
   * The run's live hook tokens by kind. Explicit ones reach the new run on every strategy;
   * generated ones (`createWebhook()`, `createHook()` without a token) are re-keyed and aliased
   * by the resume strategies, and make `cancel-and-restart` refuse the run.
   */
  hookTokens: { explicit: number; generated: number };
}

/** The input checks' problems, and why the schema check was skipped when it was. */
export interface InputCheck {
  problems: CompatibilityProblem[];
  notCheckedReason?: string;
}

/** Steps the runtime itself provides; they are not in every manifest's step list. */
const isBuiltinStep = (stepName: string) => stepName.startsWith('__builtin_');

/**
 * Input checks for `cancel-and-restart`: the target has the run's workflow, and the run's input
 * matches the workflow's input schema when the target manifest declares one.
 */
export async function inputProblems(
  world: ComposedWorld,
  run: WorkflowRun,
  versionId: string,
): Promise<CompatibilityProblem[]> {
  return (await checkInput(world, run, versionId)).problems;
}

/** `inputProblems`, plus why the schema check was skipped when the input is unreadable. */
export async function checkInput(
  world: ComposedWorld,
  run: WorkflowRun,
  versionId: string,
): Promise<InputCheck> {
  const manifest = await getManifest(world, versionId);
  if (!manifest) {
    return {
      problems: [
        {
          kind: 'missing-workflow',
          message: `version "${versionId}" has no manifest (store it on the version record or load its code in this process), so its workflows are unknown`,
        },
      ],
    };
  }
  if (!manifestWorkflowIds(manifest).has(run.workflowName)) {
    return {
      problems: [
        {
          kind: 'missing-workflow',
          message: `version "${versionId}" has no workflow "${run.workflowName}"`,
        },
      ],
    };
  }
  const schema = manifestInputSchema(manifest, run.workflowName);
  if (schema === undefined) return { problems: [] };
  const input = decodeRunInput(run.input);
  if (!input.readable) {
    return {
      problems: [],
      notCheckedReason: `the input was not checked against the input schema of "${run.workflowName}" in "${versionId}": ${input.reason}`,
    };
  }
  return {
    problems: checkAgainstSchema(input.args, schema).map((message) => ({
      kind: 'input-schema' as const,
      message: `input does not match the input schema of "${run.workflowName}" in "${versionId}": ${message}`,
    })),
  };
}

/**
 * Event-log checks for `cancel-and-resume`: every step the (copied part of the) log names exists
 * in the target, and the log's correlation ids can be carried over to a new run (they follow the
 * old run's seed). Returns the cut point before the first unknown step as a suggestion.
 */
export function eventLogProblems(
  run: WorkflowRun,
  versionId: string,
  log: Event[],
  stepIds: Set<string>,
  cutAfterEventId?: string,
): { problems: CompatibilityProblem[]; suggestedCutAfterEventId?: string } {
  const problems: CompatibilityProblem[] = [];
  const plan = planEventCopy(run.runId, log, cutAfterEventId);
  let suggestedCutAfterEventId: string | undefined;
  let previous: Event | undefined;
  for (const event of log) {
    if (event.eventType === 'step_created') {
      const stepName = (event as Event & { eventData: { stepName: string } }).eventData.stepName;
      const copied = plan.events.includes(event);
      if (!isBuiltinStep(stepName) && !stepIds.has(stepName)) {
        if (copied) {
          problems.push({
            kind: 'unknown-step',
            message: `the event log calls step "${stepName}", which version "${versionId}" does not have`,
            eventId: event.eventId,
          });
        }
        suggestedCutAfterEventId ??= previous?.eventId;
      }
    }
    previous = event;
  }
  if (run.startedAt && plan.events.length > 0) {
    // Any seed works for this check: it asks whether the old ids follow the old run's seed.
    const probe = { runId: 'wrun_probe', workflowName: run.workflowName, startedAt: run.startedAt };
    const ids = plan.events.flatMap((event) => (event.correlationId ? [event.correlationId] : []));
    const seed = { runId: run.runId, workflowName: run.workflowName, startedAt: run.startedAt };
    if (!mapCorrelationIds(seed, probe, ids)) {
      problems.push({
        kind: 'replay-order',
        message:
          "the run's correlation ids do not follow its seed, so the copied log could not be matched to the new run's calls",
      });
    }
  }
  return { problems, suggestedCutAfterEventId };
}

/**
 * Input and event-log checks of `run` against `versionId`, without changing anything. When
 * they pass and the target's code is loaded in this process, the target's workflow code is
 * also replayed over the log in a sandbox (replay-check.ts), which finds code that takes a
 * different path over the same steps.
 */
export async function checkCompatibility(
  world: ComposedWorld,
  runId: string,
  versionId: string,
  options: { cutAfterEventId?: string } = {},
): Promise<CompatibilityReport> {
  const run = await world.runs.get(runId);
  const inputCheck = await checkInput(world, run, versionId);
  const problems = inputCheck.problems;
  const log = await listRunEvents(world, runId);
  const tokens = hookTokensOf(run, log);
  const hookTokens = { explicit: tokens.explicit.length, generated: tokens.generated.length };
  const manifest = await getManifest(world, versionId);
  if (!manifest) return { compatible: false, problems, hookTokens };
  const logCheck = eventLogProblems(
    run,
    versionId,
    log,
    manifestStepIds(manifest),
    options.cutAfterEventId,
  );
  problems.push(...logCheck.problems);
  let suggestedCutAfterEventId = logCheck.suggestedCutAfterEventId;
  const report: Partial<CompatibilityReport> = {};
  if (inputCheck.notCheckedReason) report.inputNotCheckedReason = inputCheck.notCheckedReason;
  if (problems.length === 0) {
    const replay = await replayCheck(world, run, versionId, log, options.cutAfterEventId);
    report.replay = replay.status;
    if (replay.status === 'not-checked') report.replayNotCheckedReason = replay.reason;
    if (replay.status === 'diverged') {
      problems.push(replay.problem);
      suggestedCutAfterEventId = earlier(
        log,
        suggestedCutAfterEventId,
        replay.suggestedCutAfterEventId,
      );
    }
  }
  return {
    compatible: problems.length === 0,
    problems,
    ...(suggestedCutAfterEventId ? { suggestedCutAfterEventId } : {}),
    ...report,
    hookTokens,
  };
}

/** Of two cut points in `log`, the one that keeps less. */
function earlier(log: Event[], first?: string, second?: string): string | undefined {
  if (!first || !second) return first ?? second;
  const position = (eventId: string) => log.findIndex((event) => event.eventId === eventId);
  return position(first) <= position(second) ? first : second;
}

/** Throws `IncompatibleUpgradeError` unless `run` can restart on `versionId` (RFC helper). */
export async function assertInputCompatibility(
  world: ComposedWorld,
  run: WorkflowRun,
  versionId: string,
): Promise<void> {
  const problems = await inputProblems(world, run, versionId);
  if (problems.length > 0) throw new IncompatibleUpgradeError(run.runId, versionId, problems);
}

/** Throws `IncompatibleUpgradeError` unless `run` can resume on `versionId` (RFC helper). */
export async function assertEventLogCompatibility(
  world: ComposedWorld,
  run: WorkflowRun,
  versionId: string,
): Promise<void> {
  const report = await checkCompatibility(world, run.runId, versionId);
  if (!report.compatible) {
    throw new IncompatibleUpgradeError(run.runId, versionId, report.problems);
  }
}
