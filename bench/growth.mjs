/**
 * How a World's cost grows with a run's length and width: runs of 3, 30 and 300 sequential
 * steps, then one run awaiting 10 and then 100 steps at once (workflows/growth.ts), one at a
 * time, each measured for its latency, the World's network requests and storage calls.
 *
 * Run in its own worker process after the measured rounds (`worker.mjs --growth`), once per
 * World: a long run must not share a process with the throughput figures. A run that does not
 * finish within RUN_DEADLINE_MS is reported as such, and the workloads after it are skipped
 * (it keeps running in the background and would distort them).
 */
import { round } from './stats.mjs';

const RUN_DEADLINE_MS = 150_000;

export const GROWTH_WORKLOADS = [
  { name: 'sequence-3', workflow: 'stepsInSequence', args: [3], steps: 3, runs: 3 },
  { name: 'sequence-30', workflow: 'stepsInSequence', args: [30], steps: 30, runs: 2 },
  { name: 'sequence-300', workflow: 'stepsInSequence', args: [300], steps: 300, runs: 1 },
  { name: 'fan-out-10+100', workflow: 'stepsInParallel', args: [10, 100], steps: 110, runs: 1 },
];

/**
 * @param {object} bench
 * @param {(name: string) => unknown} bench.workflow the loaded workflow by export name
 * @param {(workflow: unknown, args: unknown[]) => Promise<{ runId: string }>} bench.start
 * @param {{ completion(runId: string): Promise<{ status: string, at: number }> }} bench.tracker
 * @param {{ reset(): void, snapshot(): { total: number, byKind: object } }} bench.roundTrips
 * @param {{ reset(): void, snapshot(): { total: number } }} bench.storageCalls
 * @param {(() => Promise<number>) | undefined} bench.storageBytes what the World's storage holds
 */
export async function measureGrowth({
  workflow,
  start,
  tracker,
  roundTrips,
  storageCalls,
  storageBytes,
}) {
  const results = [];
  let skipping = false;
  for (const workload of GROWTH_WORKLOADS) {
    if (skipping) {
      results.push({ ...describe(workload), skipped: 'an earlier run did not finish in time' });
      continue;
    }
    // Measured outside the counted window: the size query is not the World's traffic.
    const bytesBefore = storageBytes ? await storageBytes() : undefined;
    roundTrips.reset();
    storageCalls.reset();
    const latencies = [];
    let outcome = 'completed';
    for (let index = 0; index < workload.runs; index++) {
      const startedAt = performance.now();
      const run = await start(workflow(workload.workflow), workload.args);
      const finished = await Promise.race([
        tracker.completion(run.runId),
        new Promise((resolve) => setTimeout(resolve, RUN_DEADLINE_MS, undefined)).then(
          () => undefined,
        ),
      ]);
      if (!finished) {
        outcome = `did not finish within ${RUN_DEADLINE_MS / 1000} s`;
        skipping = true;
        break;
      }
      if (finished.status !== 'run_completed') {
        outcome = finished.status;
        break;
      }
      latencies.push(finished.at - startedAt);
    }
    const network = roundTrips.snapshot();
    const storage = storageCalls.snapshot();
    const bytesAfter = storageBytes ? await storageBytes() : undefined;
    const stepsDone = Math.max(1, latencies.length) * workload.steps;
    const median = latencies.sort((a, b) => a - b)[Math.floor((latencies.length - 1) / 2)];
    results.push({
      ...describe(workload),
      outcome,
      runLatencyMs: median === undefined ? null : round(median),
      perStepMs: median === undefined ? null : round(median / workload.steps, 2),
      requestsPerStep: latencies.length ? round(network.total / stepsDone, 2) : null,
      requestsByKind: network.byKind,
      storageCallsPerStep: latencies.length ? round(storage.total / stepsDone, 2) : null,
      bytesStoredPerStep:
        bytesBefore === undefined || !latencies.length
          ? null
          : round((bytesAfter - bytesBefore) / stepsDone, 0),
    });
  }
  return results;
}

function describe(workload) {
  return { name: workload.name, steps: workload.steps, runs: workload.runs };
}
