// Upgrade and drain benchmark on @worldkit/local (in memory), against built packages:
//   pnpm build && node bench/upgrades.mjs [--runs 1000] [--drain-runs 10000]
// 1. starts N real runs of the v1 fixture `sleepingWorkflow` (each sleeps 1 h after one step),
//    then upgrades all of them to v2 with upgradeRuns(cancel-and-resume) and with a dry run;
// 2. writes M synthetic active runs (queued, sleeping, waiting on a hook) through events.create
//    and times drainReport over them.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createWorld,
  drainReport,
  listUpgrades,
  loadWorkflowCode,
  upgradeRuns,
} from '@worldkit/core';
import { local } from '@worldkit/local';
import { start } from 'workflow/api';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    'drain-runs': { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const RUNS = Number(values.runs);
const DRAIN_RUNS = Number(values['drain-runs']);
const V1 = 'vers_bench_v1';
const V2 = 'vers_bench_v2';
const fixtures = (version) =>
  fileURLToPath(new URL(`../test/fixtures-versions/${version}`, import.meta.url));

// `@worldkit/testing`'s entry point imports vitest; its build and inspection helpers do not.
const testingDist = new URL('./dist/world/', import.meta.resolve('@worldkit/testing/package.json'));
const { buildWorkflows } = await import(new URL('build-workflows.js', testingDist).href);
const { waitFor } = await import(new URL('run-inspection.js', testingDist).href);
const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

const seconds = (since) => ((performance.now() - since) / 1000).toFixed(2);

async function benchUpgrades() {
  const [built1, built2] = await Promise.all([
    buildWorkflows({ sourceDirectory: fixtures('v1') }),
    buildWorkflows({ sourceDirectory: fixtures('v2') }),
  ]);
  const world = createWorld({ ...local({ memory: true }), deploymentId: V1, logger: silentLogger });
  const v1 = loadWorkflowCode({ world, directory: built1.directory, deploymentId: V1 });
  const v2 = loadWorkflowCode({ world, directory: built2.directory, deploymentId: V2 });
  await world.start();
  await world.worldkit.versions.create({ id: V1, manifest: v1.manifest });
  await world.worldkit.versions.create({ id: V2, manifest: v2.manifest });
  await world.worldkit.versions.promote(V2);

  let began = performance.now();
  const runIds = [];
  for (let index = 0; index < RUNS; index++) {
    const run = await start(v1.workflow('sleepingWorkflow'), [`r${index}`, '1h'], { world });
    runIds.push(run.runId);
  }
  await waitFor('every run to sleep', 600_000, async () => {
    const report = await drainReport(world, V1, { limit: 0 });
    return report.byReason.sleeping === RUNS ? report : undefined;
  });
  console.log(`started ${RUNS} v1 runs and waited until all sleep: ${seconds(began)} s`);

  const options = {
    to: V2,
    strategy: 'cancel-and-resume',
    concurrency: Number(values.concurrency),
  };
  began = performance.now();
  const dry = await upgradeRuns(world, { fromVersion: V1 }, { ...options, dryRun: true });
  console.log(
    `dry run of ${dry.total} upgrades: ${seconds(began)} s (${dry.dryRun} would upgrade)`,
  );

  began = performance.now();
  const summary = await upgradeRuns(world, { fromVersion: V1 }, options);
  const elapsed = (performance.now() - began) / 1000;
  console.log(
    `upgraded ${summary.upgraded}/${summary.total} runs (cancel-and-resume): ${elapsed.toFixed(2)} s, ` +
      `${(summary.upgraded / elapsed).toFixed(0)} runs/s; refused ${summary.refused}`,
  );
  console.log(`upgrade log entries: ${(await listUpgrades(world, { versionId: V1 })).length}`);
  await world.close();
}

async function benchDrain() {
  const world = createWorld({ ...local({ memory: true }), deploymentId: V1, logger: silentLogger });
  const input = new Uint8Array([0]);
  // Storage wants ULID run ids: a fixed time part and the index as the random part.
  const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const base32 = (value, length) =>
    Array.from(
      { length },
      (_, position) => CROCKFORD[Math.floor(value / 32 ** (length - 1 - position)) % 32],
    ).join('');
  const time = base32(Date.now(), 10);
  let counter = 0;
  const nextUlid = () => `${time}${base32(counter++, 16)}`;
  const resumeAt = new Date(Date.now() + 3_600_000);
  let began = performance.now();
  for (let index = 0; index < DRAIN_RUNS; index++) {
    const runId = `wrun_${nextUlid()}`;
    await world.events.create(runId, {
      eventType: 'run_created',
      eventData: { deploymentId: V1, workflowName: 'workflow//./bench//f', input },
    });
    if (index % 3 === 0) continue; // queued
    await world.events.create(runId, { eventType: 'run_started' });
    if (index % 3 === 1) {
      await world.events.create(runId, {
        eventType: 'wait_created',
        correlationId: `wait_${index}`,
        eventData: { resumeAt },
      });
    } else {
      await world.events.create(runId, {
        eventType: 'hook_created',
        correlationId: `hook_${index}`,
        eventData: { token: `bench-token-${index}` },
      });
    }
  }
  console.log(`wrote ${DRAIN_RUNS} active runs: ${seconds(began)} s`);
  began = performance.now();
  const report = await drainReport(world, V1, { limit: 10 });
  console.log(
    `drain report over ${report.activeRuns} runs: ${seconds(began)} s ` +
      `(queued ${report.byReason.queued}, sleeping ${report.byReason.sleeping}, ` +
      `waiting on a hook ${report.byReason.waitingOnHook}, earliestDrainAt ${report.earliestDrainAt})`,
  );
  await world.close();
}

await benchUpgrades();
await benchDrain();
process.exit(0);
