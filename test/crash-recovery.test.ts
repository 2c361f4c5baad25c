import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startPostgresServer, startRedisServer } from '@worldkit/test-servers';
import { buildWorkflowFixtures } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigures } from './reliability/figures.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'crash', 'crash-worker.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'worldkit-crash-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function spawnWorker(
  args: string[],
  options: { env: NodeJS.ProcessEnv },
): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [WORKER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForLine(output: () => string, line: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes(line)) {
    if (Date.now() > deadline)
      throw new Error(`worker never printed ${line}; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function crashAndRecover(composition: string, env: Record<string, string>, runs = 200) {
  const { directory } = await buildWorkflowFixtures();
  const runIds = join(scratch, `${composition}-run-ids.json`);
  const options = { env: { ...process.env, ...env } };

  const startedAt = Date.now();
  const first = spawnWorker(['start', composition, directory, runIds, String(runs)], options);
  await waitForLine(first.output, 'STARTED', 180_000);
  const startSeconds = (Date.now() - startedAt) / 1000;
  // Let steps, sleeps and queue writes be in the middle of things, then kill without warning.
  await new Promise((resolve) => setTimeout(resolve, 500));
  process.kill(first.child.pid!, 'SIGKILL');
  await first.exited;

  const restartedAt = Date.now();
  const second = spawnWorker(['resume', composition, directory, runIds], options);
  expect(await second.exited, second.output()).toBe(0);
  const line = second
    .output()
    .split('\n')
    .find((entry) => entry.startsWith('RESULT '));
  expect(line, second.output()).toBeDefined();
  const result = JSON.parse(line!.slice('RESULT '.length));
  const recoverySeconds = (Date.now() - restartedAt) / 1000;
  console.log(
    `crash test (${composition}): runs=${result.runs} in flight at the kill=${result.activeAtRestart} lost=${result.lost} stuck=${result.stuck} duplicated=${result.duplicated} (starting took ${startSeconds.toFixed(1)} s, recovery ${recoverySeconds.toFixed(1)} s)`,
  );
  recordFigures({
    composition: composition === 'local' ? 'local (data directory)' : composition,
    scenario: 'kill -9 the only process, restart',
    runs: result.runs,
    completed: result.completed,
    lost: result.lost,
    stuck: result.stuck,
    duplicateEvents: result.duplicateEvents,
    durationMs: Date.now() - restartedAt,
    detail: `${result.activeAtRestart} runs unfinished at the kill; duration from the restart`,
  });
  // The kill must have interrupted real work, or the test proves nothing.
  expect(result.activeAtRestart).toBeGreaterThan(0);
  expect({
    runs: result.runs,
    completed: result.completed,
    lost: result.lost,
    stuck: result.stuck,
    duplicated: result.duplicated,
    duplicateEvents: result.duplicateEvents,
  }).toEqual({
    runs,
    completed: runs,
    lost: 0,
    stuck: 0,
    duplicated: 0,
    duplicateEvents: 0,
  });
}

describe('crash recovery: kill -9 with runs in flight (200 per composition), restart, every run completes, no step completes twice', () => {
  it('local with a data directory', async () => {
    await crashAndRecover('local', { CRASH_DATA_DIR: join(scratch, 'local-data') });
  }, 420_000);

  describe('on PostgreSQL and Redis', () => {
    let postgres: Awaited<ReturnType<typeof startPostgresServer>>;
    let redis: RunningServer;
    beforeAll(async () => {
      [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
    });
    afterAll(async () => {
      await Promise.all([postgres?.stop(), redis?.stop()]);
    });

    it('postgres all-in-one', async () => {
      await crashAndRecover('postgres', { CRASH_POSTGRES_URL: postgres.url });
    }, 420_000);

    it('postgres storage + bullmq queue', async () => {
      // A separate schema-free database is not needed: runs are identified by the ids this test wrote.
      await crashAndRecover('postgres-bullmq', {
        CRASH_POSTGRES_URL: postgres.url,
        CRASH_REDIS_URL: redis.url,
      });
    }, 420_000);
  });
  // DynamoDB + SQS: test/reliability-kill-workers.test.ts kills one of three workers of it
  // again and again, which covers what a single kill would (and DynamoDB Local needs minutes
  // for 200 runs on a shared 2-core machine).
});
