#!/usr/bin/env node
/**
 * Runs four real workflows on the World composed in world.config.ts and prints what the
 * World recorded: each run's steps (with attempts and durations), a durable sleep, a hook
 * resumed from outside, and progress streamed back to this process.
 *
 * Build first (`wf build`, or `npm run demo` from the repo root), then `node main.mjs`.
 * `node main.mjs --stay` keeps the World open afterwards (until Ctrl-C), so `workflow inspect`,
 * `workflow web` and `worldkit` can be pointed at it from another terminal while it runs.
 */
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { findConfigFile, loadWorldConfig } from '@worldkit/core/target-world';
import { resumeHook, start } from 'workflow/api';
import { formatDuration, printComposition, printRun } from './print-report.mjs';
import { readRunHistory } from './run-history.mjs';

const EXAMPLE_DIRECTORY = dirname(fileURLToPath(import.meta.url));
/** Everything below should take ~3 s; past this something is stuck, and we say what. */
const DEADLINE_MS = 25_000;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** How long the "approver" takes to click, so the run visibly waits on its hook. */
const APPROVER_DELAY_MS = 500;
const STAY = process.argv.includes('--stay');

// world.config.ts names its data dir relative to the working directory.
process.chdir(EXAMPLE_DIRECTORY);

main().then(
  (exitCode) => process.exit(exitCode),
  (error) => {
    // One line, even for multi-line errors such as a config error listing several problems.
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `quickstart failed: ${message
        .split('\n')
        .map((line) => line.trim())
        .join(' ')}`,
    );
    process.exit(1);
  },
);

async function main() {
  const configFile = findConfigFile(EXAMPLE_DIRECTORY);
  const world = createWorld(loadWorldConfig(configFile));
  try {
    printComposition(world, {
      configFile: relative(EXAMPLE_DIRECTORY, configFile),
      dataDir: dataDirOf(world),
    });
    const exitCode = await runDemo(world);
    if (STAY && exitCode === 0) await stayOpen(world);
    return exitCode;
  } finally {
    await world.close();
  }
}

/**
 * The development loop: this process keeps running the World (it holds the data directory's
 * writer lock and consumes the queue) while tools in other terminals read the same data
 * directory and send their writes (cancel, resume a hook, start a run) here.
 */
async function stayOpen(world) {
  console.log(
    [
      '',
      `The World stays open on ${dataDirOf(world)} (--stay); stop with Ctrl-C. In another terminal, from examples/quickstart:`,
      '  WORKFLOW_TARGET_WORLD=@worldkit/core/target-world npx workflow inspect runs',
      '  WORKFLOW_TARGET_WORLD=@worldkit/core/target-world npx workflow web    (Node.js >= 22)',
      '  node ../../packages/cli/dist/bin.js runs list',
      `STAYING pid=${process.pid}`,
    ].join('\n'),
  );
  // A pending promise alone does not keep Node running; this timer does until a signal comes.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
}

async function runDemo(world) {
  const code = loadWorkflowCode({ world, directory: EXAMPLE_DIRECTORY });
  await world.start();
  const deadline = Date.now() + DEADLINE_MS;
  const began = performance.now();

  // A fresh request id per invocation: hook tokens must be unique among live runs.
  const requestId = `req-${Date.now().toString(36)}`;
  const decision = { approved: true, approver: 'dana@example.com' };
  const runs = {
    order: await start(code.workflow('placeOrder'), [
      {
        orderId: 'order-1001',
        email: 'sam@example.com',
        items: [
          { sku: 'mug', quantity: 2, unitPrice: 12 },
          { sku: 'tea', quantity: 1, unitPrice: 8 },
        ],
      },
    ]),
    reminder: await start(code.workflow('remindLater'), ['user-42', '2s']),
    approval: await start(code.workflow('awaitApproval'), [requestId]),
    progress: await start(code.workflow('importContacts'), [3]),
  };

  const streamed = collectStream(runs.progress.readable, deadline);
  const resumed = resumeWhenHookExists(world, `approval:${requestId}`, decision, deadline);
  await waitForRuns(world, Object.values(runs), deadline);
  const [chunks, hookResume] = await Promise.all([streamed, resumed]);
  const totalMs = performance.now() - began;

  const histories = {};
  for (const [key, run] of Object.entries(runs)) {
    histories[key] = await readRunHistory(world, run.runId);
  }
  const results = {};
  for (const [key, run] of Object.entries(runs)) {
    if (histories[key].status === 'completed') results[key] = await run.returnValue;
  }

  printRun(histories.order, [`result    ${JSON.stringify(results.order)}`]);
  printRun(histories.reminder, [`result    ${JSON.stringify(results.reminder)}`]);
  printRun(histories.approval, [
    ...histories.approval.hooks.map(
      (hook) =>
        `hook      ${hook.token} waited ${formatDuration(hook.durationMs)} until main called ` +
        `resumeHook(token, ${JSON.stringify(decision)})`,
    ),
    `result    ${JSON.stringify(results.approval)}`,
  ]);
  printRun(histories.progress, [
    `stream    main read ${chunks.length} chunks from run.readable: ${chunks
      .map((chunk) => `${chunk.stage} (${chunk.percent}%)`)
      .join(' | ')}`,
    `result    ${JSON.stringify(results.progress)}`,
  ]);

  const all = Object.values(histories);
  const notCompleted = all.filter((history) => history.status !== 'completed');
  if (notCompleted.length > 0) {
    const first = notCompleted[0];
    console.error(
      `quickstart failed: ${notCompleted.length} run(s) did not complete; ${first.workflow} ` +
        `(${first.runId}) is ${first.status}${first.error ? `: ${first.error}` : ''}`,
    );
    return 1;
  }
  if (!hookResume.resumed || chunks.length === 0) {
    console.error('quickstart failed: the hook was not resumed or no stream chunks arrived');
    return 1;
  }

  const steps = all.flatMap((history) => history.steps);
  const retries = steps.reduce((sum, step) => sum + step.failedAttempts.length, 0);
  console.log(
    `OK: ${all.length} runs completed in ${formatDuration(totalMs)}; ${steps.length} steps ` +
      `(${retries} retried), ${all.flatMap((history) => history.sleeps).length} sleep, ` +
      `1 hook resumed, ${chunks.length} stream chunks.`,
  );
  return 0;
}

/** Polls the World's storage until every run is completed, failed or cancelled. */
async function waitForRuns(world, runs, deadline) {
  for (;;) {
    const records = await Promise.all(runs.map((run) => world.runs.get(run.runId)));
    const pending = records.filter((record) => !TERMINAL.has(record.status));
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${DEADLINE_MS / 1000}s; still ${pending
          .map((record) => `${record.workflowName.split('//').at(-1)} ${record.status}`)
          .join(', ')}`,
      );
    }
    await pause(50);
  }
}

/**
 * What an app's API handler would do when, say, a manager clicks "approve" (here half a
 * second after the request opened): resume the run waiting on the hook with that token.
 * The hook exists once the run reaches `createHook`, so poll for it first.
 */
async function resumeWhenHookExists(world, token, payload, deadline) {
  for (;;) {
    const hook = await world.hooks.getByToken(token).catch(() => undefined);
    if (hook) {
      await pause(APPROVER_DELAY_MS);
      await resumeHook(token, payload);
      return { resumed: true };
    }
    if (Date.now() > deadline) throw new Error(`no hook with token ${token} appeared`);
    await pause(50);
  }
}

/** Reads a run's default stream until the workflow closes it. */
async function collectStream(readable, deadline) {
  const chunks = [];
  const reader = readable.getReader();
  const timer = setTimeout(() => reader.cancel('deadline'), Math.max(0, deadline - Date.now()));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Where the storage provider keeps its data, if it says (local providers expose `dataDir`). */
function dataDirOf(world) {
  const storage = world.worldkit.providers.storage;
  if (typeof storage.dataDir === 'string') {
    const inside = relative(EXAMPLE_DIRECTORY, storage.dataDir) || '.';
    return inside.startsWith('..') ? storage.dataDir : inside;
  }
  return storage.capabilities.durable ? 'set in world.config.ts' : '(none: memory only)';
}

function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
