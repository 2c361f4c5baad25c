import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EntityConflictError, HookNotFoundError, PreconditionFailedError } from '@workflow/errors';
import type { AnyEventRequest } from '@workflow/world';
import { SPEC_VERSION_CURRENT } from '@workflow/world';
import type { Logger, StorageInstance } from '@worldkit/core';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataDirLockedError } from '../data-dir/errors.js';
import { WRITER_LOCK_FILE } from '../data-dir/writer-lock.js';
import { createLocalStorage } from './local-storage.js';
import { JOURNAL_FILE_NAME } from './local-store.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const newRunId = () => `wrun_${ulid()}`;
const spec = SPEC_VERSION_CURRENT;

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return {
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (message) => warnings.push(message),
    warnings,
  };
}

let dataDir: string;
const opened: StorageInstance[] = [];

function openStorage(logger: Logger = recordingLogger()): StorageInstance {
  const storage = createLocalStorage({ dataDir, logger });
  opened.push(storage);
  return storage;
}

async function createRun(storage: StorageInstance, input = bytes('input')) {
  const runId = newRunId();
  await storage.events.create(runId, {
    eventType: 'run_created',
    specVersion: spec,
    eventData: { deploymentId: 'dpl_1', workflowName: 'wf', input },
  });
  return runId;
}

const create = (storage: StorageInstance, runId: string, request: AnyEventRequest) =>
  storage.events.create(runId, request as never);

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'worldkit-local-journal-'));
});

afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close?.();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local storage journal', () => {
  it('does no I/O until first use', async () => {
    const nested = path.join(dataDir, 'not-yet');
    const storage = createLocalStorage({ dataDir: nested });
    opened.push(storage);
    expect(existsSync(nested)).toBe(false);
    await storage.start?.();
    expect(existsSync(path.join(nested, WRITER_LOCK_FILE))).toBe(true);
  });

  it('replays runs, steps, events, hooks and waits after reopening', async () => {
    const first = openStorage();
    const runId = await createRun(first, new Uint8Array([0, 255, 10, 13, 0]));
    await create(first, runId, { eventType: 'run_started', specVersion: spec });
    await create(first, runId, {
      eventType: 'step_created',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { stepName: 'add', input: bytes('step-in') },
    });
    await create(first, runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
      specVersion: spec,
    });
    await create(first, runId, {
      eventType: 'step_completed',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { result: bytes('step-out') },
    });
    await create(first, runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      specVersion: spec,
      eventData: { token: 'tok-1', metadata: bytes('meta') },
    });
    const resumeAt = new Date(Date.now() + 60_000);
    await create(first, runId, {
      eventType: 'wait_created',
      correlationId: 'wait_1',
      specVersion: spec,
      eventData: { resumeAt },
    });
    const before = {
      run: await first.runs.get(runId),
      step: await first.steps.get(runId, 'step_1'),
      events: await first.events.list({ runId }),
      hook: await first.hooks.getByToken('tok-1'),
    };
    await first.close?.();

    const second = openStorage();
    const run = await second.runs.get(runId);
    expect(run).toEqual(before.run);
    expect(run.input).toEqual(new Uint8Array([0, 255, 10, 13, 0]));
    expect(run.startedAt).toBeInstanceOf(Date);
    const step = await second.steps.get(runId, 'step_1');
    expect(step).toEqual(before.step);
    expect(step).toMatchObject({ status: 'completed', attempt: 1, output: bytes('step-out') });
    expect(await second.steps.get(undefined, 'step_1')).toEqual(before.step);
    const events = await second.events.list({ runId });
    expect(events.data.map((event) => event.eventType)).toEqual([
      'run_created',
      'run_started',
      'step_created',
      'step_started',
      'step_completed',
      'hook_created',
      'wait_created',
    ]);
    expect(events).toEqual(before.events);
    expect(await second.hooks.getByToken('tok-1')).toEqual(before.hook);
    // The replayed wait exists (a second wait_created conflicts) and completes exactly once.
    await expect(
      create(second, runId, {
        eventType: 'wait_created',
        correlationId: 'wait_1',
        specVersion: spec,
        eventData: { resumeAt },
      }),
    ).rejects.toSatisfy(EntityConflictError.is);
    const completed = await create(second, runId, {
      eventType: 'wait_completed',
      correlationId: 'wait_1',
      specVersion: spec,
    });
    expect(completed.wait?.resumeAt).toEqual(resumeAt);
  });

  it('replays a run ending: its hooks stay released after reopening', async () => {
    const first = openStorage();
    const runId = await createRun(first);
    await create(first, runId, {
      eventType: 'hook_created',
      correlationId: 'hook_1',
      specVersion: spec,
      eventData: { token: 'shared-token' },
    });
    await create(first, runId, { eventType: 'run_cancelled', specVersion: spec });
    await first.close?.();

    const second = openStorage();
    expect((await second.runs.get(runId)).status).toBe('cancelled');
    await expect(second.hooks.getByToken('shared-token')).rejects.toSatisfy(HookNotFoundError.is);
    const otherRun = await createRun(second);
    const claimed = await create(second, otherRun, {
      eventType: 'hook_created',
      correlationId: 'hook_2',
      specVersion: spec,
      eventData: { token: 'shared-token' },
    });
    expect(claimed.event?.eventType).toBe('hook_created');
  });

  it('replays the out-of-band update marker that guards stale replays', async () => {
    const first = openStorage();
    const runId = await createRun(first);
    await create(first, runId, { eventType: 'run_started', specVersion: spec });
    await create(first, runId, {
      eventType: 'step_created',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { stepName: 'add', input: bytes('in') },
    });
    await create(first, runId, {
      eventType: 'step_started',
      correlationId: 'step_1',
      specVersion: spec,
    });
    await create(first, runId, {
      eventType: 'step_completed',
      correlationId: 'step_1',
      specVersion: spec,
      eventData: { result: bytes('out') },
    });
    await first.close?.();

    const second = openStorage();
    const staleSnapshot = Date.now() - 60_000;
    await expect(
      second.events.create(
        runId,
        {
          eventType: 'wait_created',
          correlationId: 'wait_1',
          specVersion: spec,
          eventData: { resumeAt: new Date() },
        },
        { stateUpdatedAt: staleSnapshot },
      ),
    ).rejects.toSatisfy(PreconditionFailedError.is);
  });

  it('orders events written after reopening after the replayed ones, even if the clock went back', async () => {
    const first = openStorage();
    const runId = await createRun(first);
    await first.close?.();

    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() - 3_600_000);
    try {
      const second = openStorage();
      await create(second, runId, { eventType: 'run_started', specVersion: spec });
      const ids = (await second.events.list({ runId })).data.map((event) => event.eventType);
      expect(ids).toEqual(['run_created', 'run_started']);
    } finally {
      clock.mockRestore();
    }
  });

  it('ignores a torn last line with a warning and keeps appending on a clean line', async () => {
    const first = openStorage();
    const runId = await createRun(first);
    await first.close?.();
    const journalFile = path.join(dataDir, JOURNAL_FILE_NAME);
    await appendFile(journalFile, '{"v":1,"kind":"event","event":{"eventType":"run_st');

    const logger = recordingLogger();
    const second = openStorage(logger);
    // Reading leaves the file alone (a live writer may be finishing that line)...
    expect((await second.runs.get(runId)).status).toBe('pending');
    expect(logger.warnings).toEqual([]);
    // ...the process that becomes the writer cuts it off.
    await create(second, runId, { eventType: 'run_started', specVersion: spec });
    expect(logger.warnings.join('\n')).toMatch(/torn last line/);
    await second.close?.();

    const third = openStorage();
    expect((await third.runs.get(runId)).status).toBe('running');
    const lines = (await readFile(journalFile, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
  });

  it('refuses a journal with a corrupt line in the middle, naming the line', async () => {
    const first = openStorage();
    await createRun(first);
    await first.close?.();
    const journalFile = path.join(dataDir, JOURNAL_FILE_NAME);
    const original = await readFile(journalFile, 'utf8');
    await writeFile(journalFile, `not json\n${original}`);

    const second = openStorage();
    await expect(second.runs.list()).rejects.toThrow(`${JOURNAL_FILE_NAME}:1 is not valid JSON`);
  });

  it('refuses a journal written in a newer format', async () => {
    await writeFile(path.join(dataDir, JOURNAL_FILE_NAME), '{"v":2,"kind":"event"}\n');
    const storage = openStorage();
    await expect(storage.start?.()).rejects.toThrow(/journal format 2.*upgrade @worldkit\/local/);
  });

  it('persists every write of a concurrent burst (group commit)', async () => {
    const storage = openStorage();
    const runIds = await Promise.all(Array.from({ length: 200 }, () => createRun(storage)));
    await storage.close?.();
    const lines = (await readFile(path.join(dataDir, JOURNAL_FILE_NAME), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(200);
    const reopened = openStorage();
    const listed = await reopened.runs.list({ pagination: { limit: 1000 } });
    expect(new Set(listed.data.map((run) => run.runId))).toEqual(new Set(runIds));
  });
});

describe('local storage data directory lock', () => {
  it('refuses start() while another live process writes the data directory', async () => {
    // Our parent process is alive and is not us: exactly the "second app" situation. It
    // serves no socket, so this process could not send writes there either.
    const holder = process.ppid;
    await writeFile(path.join(dataDir, WRITER_LOCK_FILE), `${holder}\n`);
    const storage = openStorage();
    const failure = await storage.start?.().catch((error: unknown) => error);
    expect(DataDirLockedError.is(failure)).toBe(true);
    expect((failure as Error).message).toContain(dataDir);
    expect((failure as Error).message).toContain(String(holder));
  });

  it('refuses start() while an older release (storage.lock) writes the data directory', async () => {
    await writeFile(path.join(dataDir, 'storage.lock'), `${process.ppid}\n`);
    const storage = openStorage();
    const failure = await storage.start?.().catch((error: unknown) => error);
    expect(DataDirLockedError.is(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/older @worldkit\/local/);
    expect(existsSync(path.join(dataDir, WRITER_LOCK_FILE))).toBe(false);
  });

  it('takes over a writer lock left by a process that no longer exists', async () => {
    const exited = spawnSync(process.execPath, ['-e', '0']);
    const deadPid = exited.pid as number;
    const lockFile = path.join(dataDir, WRITER_LOCK_FILE);
    await writeFile(lockFile, `${deadPid}\n`);
    const logger = recordingLogger();
    const storage = openStorage(logger);
    await storage.start?.();
    expect((await readFile(lockFile, 'utf8')).split('\n')[0]).toBe(String(process.pid));
    expect(logger.warnings.join('\n')).toMatch(/writer lock of a process that no longer runs/);
    await storage.close?.();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('reads without taking the lock; the first write takes it', async () => {
    const writer = openStorage();
    const runId = await createRun(writer);
    await writer.close?.();
    const lockFile = path.join(dataDir, WRITER_LOCK_FILE);
    const reader = openStorage();
    expect((await reader.runs.get(runId)).runId).toBe(runId);
    expect(existsSync(lockFile)).toBe(false);
    await create(reader, runId, { eventType: 'run_started', specVersion: spec });
    expect(existsSync(lockFile)).toBe(true);
    await reader.close?.();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('shares one store between instances of one process and unlocks after the last close', async () => {
    const first = openStorage();
    const second = openStorage();
    const runId = await createRun(first);
    expect((await second.runs.get(runId)).runId).toBe(runId);
    await first.close?.();
    const lockFile = path.join(dataDir, WRITER_LOCK_FILE);
    expect(existsSync(lockFile)).toBe(true);
    await create(second, runId, { eventType: 'run_started', specVersion: spec });
    await second.close?.();
    expect(existsSync(lockFile)).toBe(false);
    const reopened = openStorage();
    expect((await reopened.runs.get(runId)).status).toBe('running');
  });
});
