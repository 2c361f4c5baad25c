import { readFile, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@worldkit/core';

/** Another live process holds the data directory; two writers would corrupt the journal. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(
      `@worldkit/local storage: data directory "${dataDir}" is in use by process ${pid} ` +
        `(lock file ${lockFile}). Stop that process, or give this one its own dataDir.`,
    );
  }

  static is(value: unknown): value is DataDirLockedError {
    return value instanceof Error && value.name === 'DataDirLockedError';
  }
}

/**
 * Claims `lockFile` for this process by creating it exclusively with our pid. A lock left by a
 * process that no longer exists (a crash, a kill -9) is taken over; a live holder is an error.
 * Returns the release function.
 */
export async function lockDataDir(
  dataDir: string,
  lockFile: string,
  logger: Logger,
): Promise<() => Promise<void>> {
  const content = `${process.pid}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lockFile, content, { flag: 'wx' });
      return () => releaseLock(lockFile, content);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolderPid(lockFile);
    if (holder === undefined && attempt === 0) {
      // Possibly a holder that created the file but has not written its pid yet: look again.
      await delay(100);
      continue;
    }
    // Our own pid means an earlier instance in this process was never closed; the process
    // registry already prevents two live instances here, so the lock is ours to reuse.
    if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) {
      throw new DataDirLockedError(dataDir, holder, lockFile);
    }
    logger.warn('taking over a stale storage lock', { lockFile, stalePid: holder ?? null });
    await unlink(lockFile).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  throw new Error(`@worldkit/local storage: could not claim lock file ${lockFile}`);
}

async function releaseLock(lockFile: string, content: string): Promise<void> {
  // Only remove the lock if it is still ours (a takeover after a pause must not be undone).
  const current = await readFile(lockFile, 'utf8').catch(() => undefined);
  if (current === content) await unlink(lockFile).catch(() => undefined);
}

async function readHolderPid(lockFile: string): Promise<number | undefined> {
  const text = await readFile(lockFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
