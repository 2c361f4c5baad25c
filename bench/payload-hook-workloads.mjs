/**
 * What a step's payload and a run's waits cost: 10-step runs whose steps pass on a number, a
 * 1 KB string and a 256 KB string (workflows/growth.ts, workflows/payload.ts), and a run that
 * waits on a hook, then on `sleep('1s')`, then runs one step (workflows/hook-sleep.ts). Each
 * workload is a few runs, one at a time, measured for latency, network requests (and those per
 * `events.create`), storage calls, and the bytes the World's storage grew by.
 *
 * Run in its own worker process after the rounds (`worker.mjs --payload-hook`), once per World,
 * so 256 KB payloads do not raise the peak RSS reported for the main passes. Bounded: a run
 * gets RUN_DEADLINE_MS, and once one misses it the workloads after it are skipped.
 */
import { round } from './stats.mjs';

const RUN_DEADLINE_MS = 60_000;
const STEPS = 10;

export const PAYLOAD_HOOK_WORKLOADS = [
  { name: 'payload-number', workflow: 'stepsInSequence', args: () => [STEPS], steps: STEPS },
  { name: 'payload-1kb', workflow: 'payloadSteps', args: () => [STEPS, 1024], steps: STEPS },
  {
    name: 'payload-256kb',
    workflow: 'payloadSteps',
    args: () => [STEPS, 256 * 1024],
    steps: STEPS,
  },
  {
    name: 'hook-sleep-1s',
    workflow: 'hookThenSleep',
    // A token of the caller's choosing, so the hook can be resumed without looking it up.
    args: (index) => [`bench-hook-${process.pid}-${index}`],
    steps: 1,
    hook: true,
  },
].map((workload) => ({ runs: 2, ...workload }));

/**
 * @param {object} bench what worker.mjs has set up: `workflow(name)`, `start`, `resumeHook`,
 *   `tracker` (completion-tracker.mjs), `hooks` (hook-watcher.mjs), the counters
 *   `roundTrips`, `storageCalls`, `eventWrites`, and `storageBytes()` (or undefined).
 */
export async function measurePayloadAndHook(bench) {
  const { roundTrips, storageCalls, eventWrites, storageBytes } = bench;
  const results = [];
  // One unmeasured run first: first-run costs (JIT, connections, tables a World creates on
  // first use) are not the first workload's.
  await timedRun(bench, PAYLOAD_HOOK_WORKLOADS[0], -1);
  let skipping = false;
  for (const workload of PAYLOAD_HOOK_WORKLOADS) {
    const described = { name: workload.name, steps: workload.steps, runs: workload.runs };
    if (skipping) {
      results.push({ ...described, skipped: 'an earlier run did not finish in time' });
      continue;
    }
    // Measured outside the counted window: the size query is not the World's traffic.
    const bytesBefore = storageBytes ? await storageBytes() : undefined;
    roundTrips.reset();
    storageCalls.reset();
    eventWrites.reset();
    const timings = [];
    let outcome = 'completed';
    for (let index = 0; index < workload.runs; index++) {
      try {
        timings.push(await timedRun(bench, workload, index));
      } catch (error) {
        outcome = error.message;
        skipping = error.name === 'DeadlineError';
        break;
      }
    }
    const network = roundTrips.snapshot();
    const storage = storageCalls.snapshot();
    const writes = eventWrites.snapshot();
    const bytesAfter = storageBytes ? await storageBytes() : undefined;
    const runsDone = timings.length;
    const stepsDone = Math.max(1, runsDone) * workload.steps;
    const median = (values) =>
      values.length
        ? round(values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)])
        : null;
    const latency = median(timings.map((timing) => timing.latencyMs));
    results.push({
      ...described,
      outcome,
      runLatencyMs: latency,
      perStepMs: latency === null ? null : round(latency / workload.steps, 2),
      resumeToEndMs: workload.hook
        ? median(timings.map((timing) => timing.resumeToEndMs))
        : undefined,
      requestsPerRun: runsDone ? round(network.total / runsDone, 1) : null,
      requestsPerStep: runsDone ? round(network.total / stepsDone, 2) : null,
      requestsByKind: network.byKind,
      storageCallsPerStep: runsDone ? round(storage.total / stepsDone, 2) : null,
      eventWrites: writes,
      bytesStoredPerStep:
        bytesBefore === undefined || !runsDone
          ? null
          : round((bytesAfter - bytesBefore) / stepsDone, 0),
    });
  }
  return results;
}

/** One run: start → (wait for its hook, resume it) → its run_completed event. */
async function timedRun({ workflow, start, resumeHook, tracker, hooks }, workload, index) {
  const args = workload.args(index);
  const startedAt = performance.now();
  const run = await start(workflow(workload.workflow), args);
  const deadline = startedAt + RUN_DEADLINE_MS;
  let resumedAt;
  if (workload.hook) {
    await beforeDeadline(hooks.hookCreated(run.runId), deadline, 'its hook was never created');
    resumedAt = performance.now();
    await resumeOnceFound(resumeHook, args[0], { value: index }, deadline);
  }
  const finished = await beforeDeadline(tracker.completion(run.runId), deadline, 'did not finish');
  if (finished.status !== 'run_completed') throw new Error(finished.status);
  return {
    latencyMs: finished.at - startedAt,
    resumeToEndMs: resumedAt === undefined ? undefined : finished.at - resumedAt,
  };
}

/**
 * `hook_created` is written with the hook in every World here, but a World may make the hook
 * visible to `getByToken` a moment later (another connection, an index): retry not-found until
 * the deadline rather than fail on the first try.
 */
async function resumeOnceFound(resumeHook, token, payload, deadline) {
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      return await resumeHook(token, payload);
    } catch (error) {
      const notFound = error?.name === 'HookNotFoundError' || /not found/i.test(error?.message);
      if (!notFound || performance.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function beforeDeadline(promise, deadline, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new Error(`${what} within ${RUN_DEADLINE_MS / 1000} s`);
        error.name = 'DeadlineError';
        reject(error);
      },
      Math.max(0, deadline - performance.now()),
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
