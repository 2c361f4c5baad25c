import { readFile, unlink, writeFile } from 'node:fs/promises';

/**
 * An advisory lock on the journal, held as a file containing the owner's pid. One process
 * appends to a journal at a time (it tracks file offsets in memory); copies of the runtime in
 * the same process share one streamer through the process registry instead. A lock left by a
 * process that no longer exists is taken over.
 */
export async function acquireJournalLock(lockPath: string): Promise<() => Promise<void>> {
  const ownPid = String(process.pid);
  try {
    await writeFile(lockPath, ownPid, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number.parseInt((await readFile(lockPath, 'utf8')).trim(), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
      throw new Error(
        `@worldkit/local: the stream journal lock ${lockPath} is held by process ${holder}; ` +
          'two processes cannot share one data directory. Stop that process, give this one ' +
          'another dataDir, or delete the lock file if that pid is not a Worldkit process.',
      );
    }
    await writeFile(lockPath, ownPid);
  }
  return async () => {
    const holder = await readFile(lockPath, 'utf8').catch(() => null);
    if (holder?.trim() === ownPid) await unlink(lockPath).catch(() => {});
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
