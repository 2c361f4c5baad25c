import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@worldkit/core';
import { DataDirLockedError } from './errors.js';

/** Held by the one process that writes a data directory; readers never create or touch it. */
export const WRITER_LOCK_FILE = 'writer.lock';
/** Lock files of releases before the writer lock, checked so an older app is not written over. */
const LEGACY_LOCK_FILES = ['storage.lock', 'streams.lock'];

/** Who holds the writer lock: the pid first (what older releases read), then where it listens. */
export interface LockHolder {
  pid: number;
  /** Socket path the holder accepts forwarded writes on; absent for an older release. */
  socket?: string;
  /** Identifies the holding session, so two sessions of one process tell each other apart. */
  token?: string;
  /** `app` when the holder runs the app (it called `start()`), `tool` when it took the lock to write. */
  role?: 'app' | 'tool';
}

export type LockAttempt =
  | { acquired: true; release: () => Promise<void> }
  | { acquired: false; holder: LockHolder };

/** Tokens of the sessions of this process that hold a writer lock right now. */
const heldTokens = new Set<string>();

/**
 * Claims the data directory's writer lock for this process by creating the lock file
 * exclusively. A lock whose process no longer exists (a crashed or killed writer) is taken
 * over with a warning; a live holder is returned so the caller can forward to it.
 */
export async function tryAcquireWriterLock(
  dataDir: string,
  holder: Required<LockHolder>,
  logger: Logger,
): Promise<LockAttempt> {
  const lockFile = path.join(dataDir, WRITER_LOCK_FILE);
  const content = `${holder.pid}\n${holder.socket}\n${holder.token}\n${holder.role}\n`;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await writeFile(lockFile, content, { flag: 'wx' });
      try {
        await refuseLegacyHolders(dataDir);
      } catch (error) {
        await releaseIfOurs(lockFile, content);
        throw error;
      }
      heldTokens.add(holder.token);
      return {
        acquired: true,
        release: async () => {
          heldTokens.delete(holder.token);
          await releaseIfOurs(lockFile, content);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readLockHolder(lockFile);
    if (current === undefined) {
      // A holder that created the file but has not written it yet, or one releasing it.
      await delay(50);
      continue;
    }
    const ours = current.pid === process.pid;
    if (
      ours ? current.token !== undefined && heldTokens.has(current.token) : isAlive(current.pid)
    ) {
      return { acquired: false, holder: current };
    }
    if (!ours) {
      logger.warn('taking over the writer lock of a process that no longer runs', {
        lockFile,
        stalePid: current.pid,
      });
    }
    await unlink(lockFile).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  throw new Error(`@worldkit/local: could not claim the writer lock ${lockFile}`);
}

/** The live holder of the data directory's writer lock, if any. */
export async function readLiveWriter(dataDir: string): Promise<LockHolder | undefined> {
  const current = await readLockHolder(path.join(dataDir, WRITER_LOCK_FILE));
  if (!current) return undefined;
  if (current.pid === process.pid) {
    return current.token !== undefined && heldTokens.has(current.token) ? current : undefined;
  }
  return isAlive(current.pid) ? current : undefined;
}

async function readLockHolder(lockFile: string): Promise<LockHolder | undefined> {
  const text = await readFile(lockFile, 'utf8').catch(() => '');
  const [pidLine, socket, token, role] = text.split('\n');
  const pid = Number.parseInt(pidLine?.trim() ?? '', 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return {
    pid,
    socket: socket || undefined,
    token: token || undefined,
    role: role === 'app' || role === 'tool' ? role : undefined,
  };
}

/**
 * Releases before this one locked `storage.lock` and `streams.lock` and know nothing of the
 * writer lock: a live holder of either is an older app writing this directory.
 */
async function refuseLegacyHolders(dataDir: string): Promise<void> {
  for (const name of LEGACY_LOCK_FILES) {
    const lockFile = path.join(dataDir, name);
    const legacy = await readLockHolder(lockFile);
    if (!legacy) continue;
    if (legacy.pid !== process.pid && isAlive(legacy.pid)) {
      throw new DataDirLockedError(
        dataDir,
        legacy.pid,
        lockFile,
        'runs an older @worldkit/local on it',
      );
    }
    await unlink(lockFile).catch(() => undefined);
  }
}

async function releaseIfOurs(lockFile: string, content: string): Promise<void> {
  // A takeover after a long pause must not be undone by the paused process.
  const current = await readFile(lockFile, 'utf8').catch(() => undefined);
  if (current === content) await unlink(lockFile).catch(() => undefined);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
