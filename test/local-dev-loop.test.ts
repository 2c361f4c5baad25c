import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EntityConflictError } from '@workflow/errors';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import { type ComposedWorld, createWorld, type Logger } from '@worldkit/core';
import { createLocalStorage, createLocalStreamer, local } from '@worldkit/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The embedded default in the developer's loop: the quickstart app runs on `local()` (here on
 * a temporary data directory), and beside it, in other processes, the Workflow SDK's CLI
 * (`workflow inspect`, `workflow cancel`), the observability UI's reads and `worldkit` read
 * the same data directory and send their writes to the app. Then kill -9 of a writer and of a
 * reader on a shared data directory: nothing acknowledged is lost, nothing is left corrupt,
 * and no lock needs a "stale takeover" after a reader dies.
 */
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const QUICKSTART = join(REPO_ROOT, 'examples', 'quickstart');
const HELPERS = join(REPO_ROOT, 'test', 'local-dev-loop');
/** The SDK's CLI as the quickstart has it: `workflow` (its bin runs @workflow/cli). */
const WORKFLOW_BIN = join(QUICKSTART, 'node_modules', 'workflow', 'bin', 'run.js');
const WORLDKIT_BIN = join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const WORKFLOWS = ['placeOrder', 'remindLater', 'awaitApproval', 'importContacts'] as const;

/** Every process a test starts, so a failure never leaves one running (stopped by pid). */
const started = new Set<ChildProcess>();

interface Tracked {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startProcess(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, WORKFLOW_NO_UPDATE_CHECK: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      started.delete(child);
      resolve(code);
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited } satisfies Tracked;
}

/** Runs a command to its end (killed by pid after `timeoutMs`). */
async function run(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
) {
  const tracked = startProcess(args, options);
  const timer = setTimeout(() => tracked.child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
  const code = await tracked.exited;
  clearTimeout(timer);
  return { code, stdout: tracked.stdout(), stderr: tracked.stderr() };
}

/** Waits until `condition` holds, checking every 25 ms, or fails after `timeoutMs` saying what. */
async function until<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  what: () => string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function parseJson(output: string, what: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    throw new Error(`${what} did not print JSON on stdout:\n${output.slice(0, 2_000)}`);
  }
}

function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

afterAll(() => {
  for (const child of started) child.kill('SIGKILL');
});

describe('the development loop: the quickstart app (node main.mjs --stay) and tools beside it', () => {
  let dataDir: string;
  let app: Tracked;
  let appPid: number;
  const runIds = new Map<string, string>();
  let reader: ComposedWorld;
  let toolEnv: Record<string, string>;

  beforeAll(async () => {
    for (const built of [
      join(QUICKSTART, '.well-known', 'workflow', 'v1', 'manifest.json'),
      WORLDKIT_BIN,
    ]) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first.`);
    }
    dataDir = await mkdtemp(join(tmpdir(), 'worldkit-dev-loop-'));
    toolEnv = {
      WORLDKIT_LOCAL_DATA_DIR: dataDir,
      WORKFLOW_TARGET_WORLD: '@worldkit/core/target-world',
    };
    app = startProcess(['main.mjs', '--stay'], {
      cwd: QUICKSTART,
      env: { WORLDKIT_LOCAL_DATA_DIR: dataDir },
    });
    const staying = await until(
      () => /^STAYING pid=(\d+)$/m.exec(app.stdout()) ?? (app.child.exitCode !== null && null),
      () => `the quickstart to finish its runs and stay open:\n${app.stdout()}\n${app.stderr()}`,
      90_000,
    );
    if (!staying) throw new Error(`the quickstart exited:\n${app.stdout()}\n${app.stderr()}`);
    appPid = Number(staying[1]);
    for (const match of app.stdout().matchAll(/^(\w+) {2}(wrun_\w+) {2}COMPLETED/gm)) {
      runIds.set(match[1], match[2]);
    }
    // This test process reads too, exactly as the UI's server does: a World composed on the
    // same data directory that never calls start().
    reader = createWorld({ ...local({ dataDir }), logger: quiet });
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the app ran its four workflows and holds the writer lock', () => {
    expect([...runIds.keys()].sort()).toEqual([...WORKFLOWS].sort());
    const lock = readFileSync(join(dataDir, 'writer.lock'), 'utf8').split('\n');
    expect(Number(lock[0])).toBe(appPid);
    expect(lock[3]).toBe('app');
  });

  it("`workflow inspect runs --json` (@workflow/cli) lists the app's runs while it runs", async () => {
    const before = filesIn(dataDir);
    const result = await run([WORKFLOW_BIN, 'inspect', 'runs', '--json'], {
      cwd: QUICKSTART,
      env: toolEnv,
    });
    expect(result.stderr).not.toMatch(/in use by process/);
    expect(result.code).toBe(0);
    const listed = parseJson(result.stdout, 'workflow inspect runs') as {
      data: Array<{ runId: string; status: string }>;
    };
    for (const runId of runIds.values()) {
      expect(listed.data.find((entry) => entry.runId === runId)?.status).toBe('completed');
    }
    // A reader adds no file and leaves the app's lock as it was.
    expect(filesIn(dataDir)).toEqual(before);
    expect(readFileSync(join(dataDir, 'writer.lock'), 'utf8').split('\n')[0]).toBe(String(appPid));
  });

  it('`workflow inspect events --runId` shows the retried step, `inspect streams` the stream', async () => {
    const events = await run(
      [WORKFLOW_BIN, 'inspect', 'events', '--runId', runIds.get('placeOrder')!, '--json'],
      { cwd: QUICKSTART, env: toolEnv },
    );
    expect(events.code).toBe(0);
    const types = (
      parseJson(events.stdout, 'workflow inspect events') as Array<{ eventType: string }>
    ).map((event) => event.eventType);
    expect(types).toContain('step_retrying');
    expect(types).toContain('run_completed');
    const streams = await run(
      [WORKFLOW_BIN, 'inspect', 'streams', '--runId', runIds.get('importContacts')!, '--json'],
      { cwd: QUICKSTART, env: toolEnv },
    );
    expect(streams.code).toBe(0);
    expect(streams.stdout).toContain(`strm_${runIds.get('importContacts')!.slice(5)}_user`);
  });

  it("`worldkit runs list --json` lists the app's runs while it runs", async () => {
    const before = filesIn(dataDir);
    const result = await run([WORLDKIT_BIN, 'runs', 'list', '--json'], {
      cwd: QUICKSTART,
      env: toolEnv,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const listed = parseJson(result.stdout, 'worldkit runs list') as {
      runs: Array<{ runId: string; workflowName: string }>;
    };
    expect(listed.runs.map((entry) => entry.runId).sort()).toEqual([...runIds.values()].sort());
    expect(filesIn(dataDir)).toEqual(before);
  });

  it("the observability UI's reads answer from the live data directory", async () => {
    // The calls @workflow/web's server makes (fetchRuns, fetchSteps, fetchEvents, fetchHooks,
    // fetchStreams, readStreamChunksServerAction), with its parameters.
    const runs = await reader.runs.list({
      pagination: { limit: 10, sortOrder: 'desc' },
      resolveData: 'none',
    });
    expect(runs.data.map((entry) => entry.runId).sort()).toEqual([...runIds.values()].sort());
    const orderRun = runIds.get('placeOrder')!;
    expect((await reader.runs.get(orderRun, { resolveData: 'all' })).status).toBe('completed');
    const steps = await reader.steps.list({
      runId: orderRun,
      pagination: { limit: 100, sortOrder: 'asc' },
      resolveData: 'none',
    });
    const charge = steps.data.find((step) => step.stepName.endsWith('//chargeCard'));
    expect(charge?.attempt).toBe(2);
    const events = await reader.events.list({
      runId: orderRun,
      pagination: { limit: 1000, sortOrder: 'asc' },
      resolveData: 'none',
    });
    const retry = events.data.find((event) => event.eventType === 'step_retrying')!;
    const byCorrelation = await reader.events.listByCorrelationId({
      correlationId: retry.correlationId!,
      runId: orderRun,
      pagination: { limit: 100, sortOrder: 'asc' },
      resolveData: 'none',
    });
    expect(byCorrelation.data.map((event) => event.eventType)).toContain('step_retrying');
    const hooks = await reader.hooks.list({
      runId: runIds.get('awaitApproval')!,
      pagination: { limit: 10, sortOrder: 'desc' },
      resolveData: 'none',
    });
    expect(hooks.data).toEqual([]); // the run completed, so its hook was disposed
    const progressRun = runIds.get('importContacts')!;
    const [stream] = await reader.listStreamsByRunId(progressRun);
    const chunks = await reader.getStreamChunks(stream, progressRun, { limit: 500 });
    expect(chunks.data).toHaveLength(4);
    expect(chunks.done).toBe(true);
    expect(await reader.getStreamInfo(stream, progressRun)).toEqual({ tailIndex: 3, done: true });
  });

  describe.skipIf(NODE_MAJOR < 22)(
    NODE_MAJOR < 22
      ? `@workflow/web's data API over HTTP: skipped, it needs Node.js >= 22 for node:sqlite and this is Node ${process.versions.node} (the test above calls the World reads its server makes)`
      : `@workflow/web's data API over HTTP (Node ${process.versions.node})`,
    () => {
      it('POST /api/rpc fetchRuns lists the running app’s runs', async () => {
        const cli = realpathSync(join(QUICKSTART, 'node_modules', 'workflow'));
        const webDirectory = dirname(
          createRequire(join(cli, '..', '@workflow', 'cli', 'package.json')).resolve(
            '@workflow/web/package.json',
          ),
        );
        const web = startProcess([join(HELPERS, 'web-server.mjs'), webDirectory], {
          cwd: QUICKSTART,
          env: toolEnv,
        });
        const port = await until(
          () => /^PORT (\d+)$/m.exec(web.stdout())?.[1],
          () => `the web UI server to listen:\n${web.stderr()}`,
        );
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/rpc`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ method: 'fetchRuns', params: { params: { limit: 10 } } }),
          });
          expect(response.status).toBe(200);
          // CBOR keeps text as UTF-8 bytes: every run id appears verbatim in the answer.
          const body = Buffer.from(await response.arrayBuffer()).toString('latin1');
          expect(body).not.toContain('in use by process');
          for (const runId of runIds.values()) expect(body).toContain(runId);
        } finally {
          web.child.kill('SIGTERM');
          await web.exited;
        }
      });
    },
  );

  it('a second process starts runs; the app executes them and every reader follows', async () => {
    const result = await run([join(HELPERS, 'start-runs.mjs'), QUICKSTART], {
      cwd: QUICKSTART,
      env: { WORLDKIT_LOCAL_DATA_DIR: dataDir },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { sleeping, importing } = JSON.parse(result.stdout.trim()) as Record<string, string>;
    runIds.set('sleeping', sleeping);
    runIds.set('importing', importing);
    // The app delivered the queue message the other process sent and ran the workflow.
    await until(
      async () => (await reader.runs.get(importing)).status === 'completed',
      () => `run ${importing} to complete in the app`,
    );
    const [stream] = await reader.listStreamsByRunId(importing);
    const chunks = await reader.getStreamChunks(stream, importing, { limit: 500 });
    expect(chunks.data).toHaveLength(3); // two batches and "done"
    await until(
      async () => (await reader.runs.get(sleeping)).status === 'running',
      () => `run ${sleeping} to be sleeping`,
    );
    const waits = await reader.events.list({ runId: sleeping, resolveData: 'none' });
    expect(waits.data.map((event) => event.eventType)).toContain('wait_created');

    const listed = await run([WORKFLOW_BIN, 'inspect', 'runs', '--json'], {
      cwd: QUICKSTART,
      env: toolEnv,
    });
    const ids = (parseJson(listed.stdout, 'workflow inspect runs') as { data: { runId: string }[] })
      .data;
    expect(ids.map((entry) => entry.runId)).toEqual(expect.arrayContaining([sleeping, importing]));
  });

  it('`workflow cancel` from another process reaches the app; a refused write keeps its type', async () => {
    const sleeping = runIds.get('sleeping')!;
    const cancel = await run([WORKFLOW_BIN, 'cancel', sleeping], { cwd: QUICKSTART, env: toolEnv });
    expect(cancel.code).toBe(0);
    expect((await reader.runs.get(sleeping)).status).toBe('cancelled');
    // The app decides every write against its own state and answers with the typed error.
    const refused = await reader.events
      .create(runIds.get('placeOrder')!, {
        eventType: 'run_cancelled',
        specVersion: SPEC_VERSION_CURRENT,
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EntityConflictError);
    expect((refused as Error).message).toContain('terminal state "completed"');
    const again = await run([WORKFLOW_BIN, 'cancel', runIds.get('placeOrder')!, '--verbose'], {
      cwd: QUICKSTART,
      env: toolEnv,
    });
    expect(again.code).toBe(1);
    expect(`${again.stdout}${again.stderr}`).toContain('EntityConflictError');
  });

  it('`worldkit version create` and `version promote` from another process are applied by the app', async () => {
    for (const args of [
      ['version', 'create', '--id', 'v-dev-loop', '--label', 'from a second process'],
      ['version', 'promote', 'v-dev-loop'],
    ]) {
      const result = await run([WORLDKIT_BIN, ...args, '--json'], {
        cwd: QUICKSTART,
        env: toolEnv,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect((await reader.worldkit.versions.getCurrent())?.id).toBe('v-dev-loop');
    const versions = JSON.parse(readFileSync(join(dataDir, 'versions.json'), 'utf8'));
    expect(versions.currentId).toBe('v-dev-loop');
  });

  it('the app stops cleanly (SIGTERM): exit 0, its lock and socket removed; the tools still read', async () => {
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(filesIn(dataDir)).not.toContain('writer.lock');
    expect(filesIn(dataDir)).not.toContain('writer.sock');
    const result = await run([WORLDKIT_BIN, 'runs', 'list', '--json'], {
      cwd: QUICKSTART,
      env: toolEnv,
    });
    expect(result.code).toBe(0);
    const listed = parseJson(result.stdout, 'worldkit runs list') as { runs: { runId: string }[] };
    expect(listed.runs).toHaveLength(6);
    // Reading never takes the lock, with or without an app.
    expect(filesIn(dataDir)).not.toContain('writer.lock');
  });
  it('a long-lived tool that wrote while no app ran does not keep the app from starting', async () => {
    // Like the web UI cancelling a run with the app stopped: this process writes, so it takes
    // the data directory, and gives it back once idle.
    await reader.worldkit.versions.create({ id: 'v-written-by-a-tool' });
    expect(readFileSync(join(dataDir, 'writer.lock'), 'utf8').split('\n')[0]).toBe(
      String(process.pid),
    );
    const again = startProcess(['main.mjs'], {
      cwd: QUICKSTART,
      env: { WORLDKIT_LOCAL_DATA_DIR: dataDir },
    });
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toMatch(/^OK: 4 runs completed/m);
    // This process reads on, and its next write goes wherever the directory is written now.
    expect((await reader.runs.list({ pagination: { limit: 100 } })).data).toHaveLength(10);
    await reader.worldkit.versions.update('v-written-by-a-tool', { label: 'still writable' });
    expect((await reader.worldkit.versions.get('v-written-by-a-tool'))?.label).toBe(
      'still writable',
    );
  });
});

describe('kill -9 on a shared data directory', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'worldkit-kill-'));
  });

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a writer killed mid-write loses no acknowledged write and leaves nothing corrupt', async () => {
    const writer = startProcess(
      [join(HELPERS, 'writer.mjs'), dataDir, String(256 * 1024), '2000'],
      {
        cwd: REPO_ROOT,
      },
    );
    await until(
      () => writer.stdout().includes('READY'),
      () => `the writer to start:\n${writer.stderr()}`,
    );
    // This process writes too, through the writer (a tool beside the app), until the kill.
    const tool = createLocalStorage({ dataDir, logger: quiet });
    const forwarded: Array<{ runId: string; eventId: string }> = [];
    let killed = false;
    const forwarding = (async () => {
      while (!killed) {
        const created = await tool.events.create(null, {
          eventType: 'run_created',
          specVersion: SPEC_VERSION_CURRENT,
          eventData: { deploymentId: 'tool', workflowName: 'wf', input: new Uint8Array(1024) },
        });
        forwarded.push({ runId: created.run!.runId, eventId: created.event!.eventId });
      }
    })().catch(() => undefined); // the write in flight at the kill may fail: it was never acknowledged
    await until(
      () => (writer.stdout().match(/^ack /gm)?.length ?? 0) >= 150 && forwarded.length >= 20,
      () => `the writer to acknowledge writes:\n${writer.stderr()}`,
    );
    writer.child.kill('SIGKILL');
    killed = true;
    await writer.exited;
    await forwarding;
    await tool.close?.();

    const acks = writer
      .stdout()
      .split('\n')
      .slice(0, -1) // only whole lines: the kill may cut the last one short
      .filter((line) => line.startsWith('ack '))
      .map((line) => line.split(' '));
    expect(acks.length).toBeGreaterThanOrEqual(150);

    // A reader (no lock, no repair) sees every acknowledged write.
    const warnings: string[] = [];
    const logger: Logger = { ...quiet, warn: (message) => warnings.push(message) };
    const storage = createLocalStorage({ dataDir, logger });
    const streamer = createLocalStreamer({ dataDir, logger });
    const expectAllThere = async () => {
      for (const [, kind, runId, id] of acks) {
        if (kind === 'event') expect((await storage.events.get(runId, id)).eventId).toBe(id);
        else {
          const page = await streamer.getStreamChunks(id, runId, { limit: 1 });
          expect(page.data[0].data.byteLength).toBe(256 * 1024);
        }
      }
      for (const { runId, eventId } of forwarded) {
        expect((await storage.events.get(runId, eventId)).eventId).toBe(eventId);
      }
    };
    await expectAllThere();
    // The next writer takes the dead writer's lock over (unless this process already did,
    // after the kill) and cuts any torn tail; nothing acknowledged goes, and the files read
    // cleanly afterwards.
    await storage.start?.();
    await streamer.start?.();
    expect(readFileSync(join(dataDir, 'writer.lock'), 'utf8').split('\n')[0]).toBe(
      String(process.pid),
    );
    await storage.events.create(null, {
      eventType: 'run_created',
      specVersion: SPEC_VERSION_CURRENT,
      eventData: { deploymentId: 'after', workflowName: 'wf', input: new Uint8Array(1) },
    });
    await streamer.close?.();
    await storage.close?.();
    const reopened = createLocalStorage({ dataDir, logger: quiet });
    const again = createLocalStreamer({ dataDir, logger: quiet });
    try {
      for (const [, kind, runId, id] of acks) {
        if (kind === 'event') expect((await reopened.events.get(runId, id)).eventId).toBe(id);
        else expect((await again.getStreamInfo(id, runId)).tailIndex).toBe(0);
      }
    } finally {
      await again.close?.();
      await reopened.close?.();
    }
    expect(filesIn(dataDir)).not.toContain('writer.lock');
  });

  it('a reader killed mid-read leaves no lock behind and needs no takeover', async () => {
    const writer = startProcess([join(HELPERS, 'writer.mjs'), dataDir, '4096', '300'], {
      cwd: REPO_ROOT,
    });
    await until(
      () => writer.stdout().includes('DONE'),
      () => `the writer to finish:\n${writer.stderr()}`,
    );
    const lockBefore = readFileSync(join(dataDir, 'writer.lock'), 'utf8');
    const filesBefore = filesIn(dataDir);

    const victim = startProcess([join(HELPERS, 'reader.mjs'), dataDir, '100000'], {
      cwd: REPO_ROOT,
    });
    await until(
      () => (victim.stdout().match(/^read /gm)?.length ?? 0) >= 3,
      () => `the reader to read:\n${victim.stderr()}`,
    );
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect(filesIn(dataDir)).toEqual(filesBefore);
    expect(readFileSync(join(dataDir, 'writer.lock'), 'utf8')).toBe(lockBefore);

    // The writer is unaffected, and a new reader starts with no warning of any kind.
    const next = await run([join(HELPERS, 'reader.mjs'), dataDir, '1'], { cwd: REPO_ROOT });
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(/^read \d+$/m);
    expect(next.stderr).toBe('');
    writer.child.kill('SIGKILL');
    await writer.exited;
    const deadWritersLock = readFileSync(join(dataDir, 'writer.lock'), 'utf8');

    // With the writer dead too: reading takes no lock (a CLI killed mid-output leaves nothing,
    // and does not touch the dead writer's lock; only the next writer takes that over).
    const cli = startProcess([WORLDKIT_BIN, 'runs', 'list', '--json', '--limit', '1000'], {
      cwd: QUICKSTART,
      env: { WORLDKIT_LOCAL_DATA_DIR: dataDir },
    });
    await until(
      () => cli.stdout().length > 0 || cli.child.exitCode !== null,
      () => 'worldkit runs list to print',
    );
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(readFileSync(join(dataDir, 'writer.lock'), 'utf8')).toBe(deadWritersLock);
    const after = await run([WORLDKIT_BIN, 'runs', 'list', '--json', '--limit', '1'], {
      cwd: QUICKSTART,
      env: { WORLDKIT_LOCAL_DATA_DIR: dataDir },
    });
    expect(after.code).toBe(0);
    expect(after.stderr).not.toMatch(/taking over|stale/);
    expect(readFileSync(join(dataDir, 'writer.lock'), 'utf8')).toBe(deadWritersLock);
  });
});
