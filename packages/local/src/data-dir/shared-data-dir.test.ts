import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EntityConflictError, RunExpiredError, WorkflowRunNotFoundError } from '@workflow/errors';
import type { AnyEventRequest } from '@workflow/world';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import {
  type Logger,
  type QueueEnvelope,
  type StorageInstance,
  VersionNotFoundError,
} from '@worldkit/core';
import { testEnvelope } from '@worldkit/testing';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalQueue } from '../queue/local-queue.js';
import { createLocalStorage } from '../storage/local-storage.js';
import { JOURNAL_FILE_NAME } from '../storage/local-store.js';
import { createLocalStreamer } from '../streamer/local-streamer.js';
import { createLocalVersionStore } from '../versions/local-versions.js';
import { DataDirLockedError } from './errors.js';
import { frameLine } from './line-framing.js';
import { WRITER_LOCK_FILE } from './writer-lock.js';

/**
 * Two processes on one data directory, inside one test process: parts are shared per data
 * directory path in a process, so the same directory reached through a symlink gets its own
 * session, exactly like another process would (it even finds the lock held by a live pid).
 * The real multi-process runs (the quickstart app, the SDK's CLI, kill -9) are in
 * test/local-dev-loop.test.ts.
 */
const spec = SPEC_VERSION_CURRENT;
const bytes = (text: string) => new TextEncoder().encode(text);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let dataDir: string;
let otherPath: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'worldkit-shared-'));
  dataDir = path.join(root, 'data');
  otherPath = path.join(root, 'same-data');
  await mkdir(dataDir);
  await symlink(dataDir, otherPath);
  cleanups.push(() => rm(root, { recursive: true, force: true }));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function storageAt(dir: string): StorageInstance {
  const storage = createLocalStorage({ dataDir: dir, logger: quiet });
  cleanups.push(async () => storage.close?.());
  return storage;
}

async function createRun(storage: StorageInstance): Promise<string> {
  const runId = `wrun_${ulid()}`;
  await storage.events.create(runId, {
    eventType: 'run_created',
    specVersion: spec,
    eventData: { deploymentId: 'dpl_1', workflowName: 'wf', input: bytes('in') },
  });
  return runId;
}

const create = (storage: StorageInstance, runId: string, request: AnyEventRequest) =>
  storage.events.create(runId, request as never);

describe('one data directory, a writer and a reader', () => {
  it('the reader follows what the writer appends, without a lock or any file of its own', async () => {
    const app = storageAt(dataDir);
    await app.start?.();
    const first = await createRun(app);
    const filesBefore = (await readdir(dataDir)).sort();

    const tool = storageAt(otherPath);
    expect((await tool.runs.get(first)).status).toBe('pending');
    const second = await createRun(app);
    await create(app, first, { eventType: 'run_started', specVersion: spec });
    expect((await tool.runs.get(first)).status).toBe('running');
    expect((await tool.runs.list()).data.map((run) => run.runId).sort()).toEqual(
      [first, second].sort(),
    );
    await tool.close?.();
    expect((await readdir(dataDir)).sort()).toEqual(filesBefore);
  });

  it("forwards the reader's writes to the writer, which applies and journals them once", async () => {
    const app = storageAt(dataDir);
    await app.start?.();
    const tool = storageAt(otherPath);
    const runId = await createRun(tool);
    // The writer has it in memory (it decided it), and the reader reads its own write.
    expect((await app.runs.get(runId)).status).toBe('pending');
    const started = await create(tool, runId, { eventType: 'run_started', specVersion: spec });
    expect(started.run?.status).toBe('running');
    expect(started.event?.createdAt).toBeInstanceOf(Date);
    expect((await tool.runs.get(runId)).status).toBe('running');
    const lines = (await readFile(path.join(dataDir, JOURNAL_FILE_NAME), 'utf8')).trimEnd();
    expect(lines.split('\n')).toHaveLength(2);
    // Still one writer: the lock names the app's session, and the reader made no files.
    expect((await readdir(dataDir)).filter((name) => name.endsWith('.lock'))).toEqual([
      WRITER_LOCK_FILE,
    ]);
  });

  it("answers a forwarded write's failure with the same error class and fields", async () => {
    const app = storageAt(dataDir);
    await app.start?.();
    const tool = storageAt(otherPath);
    const runId = await createRun(tool);
    await create(tool, runId, { eventType: 'run_cancelled', specVersion: spec });
    const expired = await create(tool, runId, {
      eventType: 'run_started',
      specVersion: spec,
    }).catch((error: unknown) => error);
    expect(expired).toBeInstanceOf(RunExpiredError);
    expect((expired as Error).message).toContain('terminal state "cancelled"');
    const cancelled = await create(tool, runId, {
      eventType: 'run_completed',
      specVersion: spec,
      eventData: { output: bytes('x') },
    }).catch((error: unknown) => error);
    expect(cancelled).toBeInstanceOf(EntityConflictError);
    expect(EntityConflictError.is(cancelled)).toBe(true);
    const missing = await create(tool, `wrun_${ulid()}`, {
      eventType: 'run_started',
      specVersion: spec,
    }).catch((error: unknown) => error);
    expect(WorkflowRunNotFoundError.is(missing)).toBe(true);
    expect(missing).toBeInstanceOf(WorkflowRunNotFoundError);
  });

  it('refuses start() in a second process with a typed error that says what to do', async () => {
    const app = storageAt(dataDir);
    await app.start?.();
    const second = storageAt(otherPath);
    const failure = await second.start?.().catch((error: unknown) => error);
    expect(DataDirLockedError.is(failure)).toBe(true);
    expect((failure as Error).message).toContain(`process ${process.pid}`);
    expect((failure as Error).message).toMatch(/Tools .* need no lock/);
  });

  it('lets the reader write itself once the writer has stopped', async () => {
    const app = storageAt(dataDir);
    const runId = await createRun(app);
    const tool = storageAt(otherPath);
    expect((await tool.runs.get(runId)).runId).toBe(runId);
    await app.close?.();
    await create(tool, runId, { eventType: 'run_started', specVersion: spec });
    expect((await tool.runs.get(runId)).status).toBe('running');
    const lock = await readFile(path.join(dataDir, WRITER_LOCK_FILE), 'utf8');
    expect(lock.split('\n')[1]).toBe(path.join(otherPath, 'writer.sock'));
  });

  it('shows only complete, checksum-valid lines while one is being written', async () => {
    const app = storageAt(dataDir);
    const runId = await createRun(app);
    await app.close?.();
    const journal = path.join(dataDir, JOURNAL_FILE_NAME);
    const tool = storageAt(otherPath);
    expect((await tool.runs.list()).data).toHaveLength(1);

    // Half of a line (a write in progress): not visible, and not an error.
    const line = frameLine(
      JSON.stringify({
        v: 1,
        kind: 'event',
        event: {
          eventType: 'run_started',
          runId,
          eventId: `evnt_${ulid()}`,
          createdAt: { '$wk:date': new Date().toISOString() },
          specVersion: spec,
        },
      }),
    );
    await appendFile(journal, line.slice(0, 40));
    expect((await tool.runs.get(runId)).status).toBe('pending');
    await appendFile(journal, line.slice(40));
    expect((await tool.runs.get(runId)).status).toBe('running');

    // A complete last line whose checksum fails is a torn write: skipped, not served.
    const damaged = line.replace(
      /\t[0-9a-f]{8}\n$/,
      line.endsWith('\t00000000\n') ? '\t11111111\n' : '\t00000000\n',
    );
    await appendFile(journal, damaged);
    expect((await tool.runs.get(runId)).status).toBe('running');
    // The same damage with intact lines after it cannot come from a crash: an error.
    await appendFile(journal, line);
    await expect(tool.runs.get(runId)).rejects.toThrow(/damaged \(checksum mismatch\)/);
  });
});

describe('the other parts on a shared data directory', () => {
  it('streams: the reader follows a live stream and its writes reach the writer', async () => {
    const app = createLocalStreamer({ dataDir, logger: quiet });
    cleanups.push(async () => app.close?.());
    await app.start?.();
    const tool = createLocalStreamer({ dataDir: otherPath, logger: quiet });
    cleanups.push(async () => tool.close?.());

    await app.writeToStream('strm_live', 'wrun_s', 'one;');
    const reader = (await tool.readFromStream('strm_live')).getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe('one;');
    const next = reader.read();
    await app.writeToStream('strm_live', 'wrun_s', 'two;');
    expect(decoder.decode((await next).value)).toBe('two;');
    await tool.writeToStream('strm_live', 'wrun_s', 'three;');
    expect(decoder.decode((await reader.read()).value)).toBe('three;');
    await app.closeStream('strm_live', 'wrun_s');
    expect((await reader.read()).done).toBe(true);
    expect(await tool.listStreamsByRunId('wrun_s')).toEqual(['strm_live']);
    expect(await app.getStreamInfo('strm_live', 'wrun_s')).toEqual({ tailIndex: 2, done: true });
  });

  it('queue: a reader never consumes; its sends are delivered by the writer', async () => {
    const received: string[] = [];
    const app = createLocalQueue({ dataDir, logger: quiet });
    cleanups.push(async () => app.close?.());
    await app.consume(async (raw) => {
      received.push((raw as QueueEnvelope).messageId);
      return { type: 'ack' };
    });
    const tool = createLocalQueue({ dataDir: otherPath, logger: quiet });
    cleanups.push(async () => tool.close?.());
    const sent = await tool.send(testEnvelope({ messageId: 'from-tool' }), { delaySeconds: 0 });
    expect(sent).toEqual({ accepted: true });
    await until(() => received.includes('from-tool'));
    const failure = await tool
      .consume(async () => ({ type: 'ack' }))
      .catch((error: unknown) => error);
    expect(DataDirLockedError.is(failure)).toBe(true);
    expect(await tool.deadLetters?.()).toEqual([]);
  });

  it('versions: changes go to the writer and the reader sees them at once', async () => {
    const app = createLocalVersionStore({ dataDir, logger: quiet });
    cleanups.push(async () => app.close?.());
    await app.start?.();
    const tool = createLocalVersionStore({ dataDir: otherPath, logger: quiet });
    cleanups.push(async () => tool.close?.());
    await app.create({ id: 'v1' });
    expect((await tool.get('v1'))?.id).toBe('v1');
    await tool.create({ id: 'v2' });
    await tool.promote('v2');
    expect((await app.getCurrent())?.id).toBe('v2');
    expect((await tool.getCurrent())?.id).toBe('v2');
    expect((await tool.get('v2'))?.createdAt).toBeInstanceOf(Date);
    const missing = await tool.promote('v9').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(VersionNotFoundError);
  });
});

describe('a tool writing with no app running', () => {
  it('gives the directory back once idle, so the app can start; then sends its writes there', async () => {
    const tool = storageAt(otherPath);
    const streams = createLocalStreamer({ dataDir: otherPath, logger: quiet });
    cleanups.push(async () => streams.close?.());
    const first = await createRun(tool);
    await streams.writeToStream('strm_tool', first, 'by the tool;');
    expect(await readdir(dataDir)).toContain(WRITER_LOCK_FILE);
    // Idle for a second: the lock goes (a long-lived tool such as the web UI must not keep
    // the app from starting), and reading goes on from where the tool's own writes ended.
    await until(async () => !(await readdir(dataDir)).includes(WRITER_LOCK_FILE));
    expect((await tool.runs.get(first)).status).toBe('pending');

    const app = storageAt(dataDir);
    await app.start?.();
    const appStreams = createLocalStreamer({ dataDir, logger: quiet });
    cleanups.push(async () => appStreams.close?.());
    await appStreams.start?.();
    const second = await createRun(app);
    await create(tool, first, { eventType: 'run_started', specVersion: spec });
    await streams.writeToStream('strm_tool', first, 'then through the app;');
    expect((await app.runs.get(first)).status).toBe('running');
    expect((await tool.runs.list()).data.map((run) => run.runId).sort()).toEqual(
      [first, second].sort(),
    );
    const chunks = await appStreams.getStreamChunks('strm_tool', first);
    expect(chunks.data.map((chunk) => new TextDecoder().decode(chunk.data))).toEqual([
      'by the tool;',
      'then through the app;',
    ]);
    const lines = (await readFile(path.join(dataDir, JOURNAL_FILE_NAME), 'utf8')).trimEnd();
    expect(lines.split('\n')).toHaveLength(3);
  });

  it('becomes the writer for what it writes only, and leaves the directory when it closes', async () => {
    const versions = createLocalVersionStore({ dataDir, logger: quiet });
    const queue = createLocalQueue({ dataDir, logger: quiet });
    await versions.create({ id: 'v1' });
    expect(await readdir(dataDir)).toContain(WRITER_LOCK_FILE);
    // `version create` has no reason to replay (or compact) the queue journal.
    expect(await readdir(dataDir)).not.toContain('queue.journal.jsonl');
    expect(await queue.deadLetters?.()).toEqual([]);
    await queue.close?.();
    await versions.close?.();
    expect(await readdir(dataDir)).toEqual(['versions.json']);
  });
});

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
