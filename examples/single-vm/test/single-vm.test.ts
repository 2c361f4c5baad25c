import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startPostgresServer, startRedisServer } from '@worldkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = join(EXAMPLE_DIRECTORY, '.well-known', 'workflow', 'v1', 'manifest.json');
const STEP_TIMEOUT_MS = 20_000;

/** A child node process of the example, with its output kept for assertions. */
class ExampleProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [script], {
      cwd: EXAMPLE_DIRECTORY,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk) => {
      this.stdout += chunk;
    });
    this.child.stderr!.on('data', (chunk) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves with the first stdout match of `pattern`, or fails with the output so far. */
  async waitForLine(pattern: RegExp, timeoutMs = STEP_TIMEOUT_MS): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `no line matching ${pattern} (exit ${this.child.exitCode})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await pause(25);
    }
  }

  /** Last resort in afterAll: whatever a failed test left running is killed by its PID. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

function pause(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runSetup(env: NodeJS.ProcessEnv) {
  const setup = new ExampleProcess('setup.mjs', env);
  const { code } = await setup.exited;
  return { code, stdout: setup.stdout, stderr: setup.stderr };
}

async function pollRun(baseUrl: string, runId: string, until: (status: string) => boolean) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const run = (await (await fetch(`${baseUrl}/runs/${runId}`)).json()) as {
      status: string;
      output?: unknown;
    };
    if (until(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status}`);
    await pause(50);
  }
}

describe('examples/single-vm: setup, worker and server as separate processes', () => {
  let postgres: RunningServer;
  let redis: RunningServer;
  let env: NodeJS.ProcessEnv;
  const processes: ExampleProcess[] = [];
  const spawnExample = (script: string) => {
    const started = new ExampleProcess(script, env);
    processes.push(started);
    return started;
  };

  beforeAll(async () => {
    if (!existsSync(BUILT)) {
      throw new Error(
        'examples/single-vm is not built: run `npm run build` (or `wf build` in it).',
      );
    }
    [postgres, redis] = await Promise.all([startPostgresServer(), startRedisServer()]);
    env = {
      ...process.env,
      WORLDKIT_POSTGRES_URL: postgres.url,
      WORLDKIT_REDIS_URL: redis.url,
      WORLDKIT_DEPLOYMENT_ID: 'single-vm-test',
      // Free ports picked by the OS; the processes print the addresses they bound.
      PORT: '0',
      WORKER_HEALTH_PORT: '0',
    };
  });

  afterAll(async () => {
    for (const started of processes) started.kill();
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it('setup migrates PostgreSQL and checks Redis, and is safe to run again', async () => {
    const first = await runSetup(env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^setup: migrating storage=@worldkit\/postgres$/m);
    expect(first.stdout).toMatch(/^setup: done deployment=single-vm-test$/m);
    const again = await runSetup(env);
    expect(again.code).toBe(0);
  });

  it('setup exits 1 with one line naming the missing setting', async () => {
    const { WORLDKIT_POSTGRES_URL: _, DATABASE_URL: __, ...withoutPostgres } = env;
    const failed = await runSetup(withoutPostgres);
    expect(failed.code).toBe(1);
    expect(failed.stdout.trim().split('\n').at(-1)).toMatch(
      /^setup: failed error=".*WORLDKIT_POSTGRES_URL.*"$/,
    );
  });

  it('runs a sign-up end to end: server starts it, worker runs it, a webhook resumes it, SIGTERM exits 0', async () => {
    const worker = spawnExample('worker.mjs');
    const ready = await worker.waitForLine(/^worker: ready .*health=(\S+)$/m);
    expect(ready[0]).toContain('deployment=single-vm-test');
    expect(ready[0]).toContain('workflows=signUp');
    expect(ready[0]).toContain('queue=bullmq');
    expect((await fetch(ready[1]!)).status).toBe(200);

    const server = spawnExample('server.mjs');
    const baseUrl = (await server.waitForLine(/^server: listening url=(\S+)/m))[1]!;

    const started = await fetch(`${baseUrl}/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com' }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    expect(runId).toMatch(/^wrun_/);

    // The worker "emails" a link to the public server; the run waits on it.
    const email = await worker.waitForLine(/^email: to=ada@example\.com \S+ confirm=(\S+)$/m);
    const link = new URL(email[1]!);
    const waiting = await pollRun(baseUrl, runId, () => true);
    expect(waiting.status).toBe('running');

    const confirmed = await fetch(`${baseUrl}${link.pathname}`, {
      method: 'POST',
      headers: { 'user-agent': 'single-vm-test' },
    });
    expect(confirmed.status).toBe(202);

    const finished = await pollRun(baseUrl, runId, (status) => status !== 'running');
    expect(finished).toMatchObject({
      status: 'completed',
      workflow: 'signUp',
      output: {
        accountId: 'acct_ada_example_com',
        email: 'ada@example.com',
        confirmedFrom: 'single-vm-test',
      },
    });
    await worker.waitForLine(/^email: to=ada@example\.com welcome$/m);

    // A second confirmation finds no live webhook: the run released it when it finished.
    const replayed = await fetch(`${baseUrl}${link.pathname}`, { method: 'POST' });
    expect(replayed.status).toBe(404);

    worker.child.kill('SIGTERM');
    server.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(worker.stdout).toMatch(/^worker: stopping signal=SIGTERM$/m);
    expect(worker.stdout).toMatch(/^worker: stopped signal=SIGTERM ms=\d+$/m);
    expect(server.stdout).toMatch(/^server: stopped signal=SIGTERM$/m);
    expect(worker.stderr).not.toMatch(/Error/);
  });

  it('a run started while no worker is up completes once a worker starts', async () => {
    const server = spawnExample('server.mjs');
    const baseUrl = (await server.waitForLine(/^server: listening url=(\S+)/m))[1]!;
    const started = await fetch(`${baseUrl}/signups`, {
      method: 'POST',
      body: JSON.stringify({ email: 'grace@example.com' }),
    });
    const { runId } = (await started.json()) as { runId: string };
    await pause(500);
    // Nothing consumes the queue yet: the message waits in Redis, the run in PostgreSQL.
    expect((await pollRun(baseUrl, runId, () => true)).status).toBe('pending');

    const worker = spawnExample('worker.mjs');
    const email = await worker.waitForLine(/^email: to=grace@example\.com \S+ confirm=(\S+)$/m);
    await fetch(`${baseUrl}${new URL(email[1]!).pathname}`, { method: 'POST' });
    const finished = await pollRun(baseUrl, runId, (status) => status !== 'running');
    expect(finished.status).toBe('completed');

    worker.child.kill('SIGINT');
    server.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect((await server.exited).code).toBe(0);
  });
});
