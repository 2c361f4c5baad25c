import path from 'node:path';
import { WorldkitError } from '@worldkit/provider';

/**
 * This process needs to be the data directory's writer (it called `start()`: it runs the app
 * and consumes the queue), but another live process already is. Tools never get this error:
 * they read without a lock and forward their writes to the writer.
 */
export class DataDirLockedError extends WorldkitError {
  static override readonly code = 'WORLDKIT_LOCAL_DATA_DIR_LOCKED';
  override readonly name = 'DataDirLockedError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
    detail = 'runs the app on it',
  ) {
    super(
      DataDirLockedError.code,
      `@worldkit/local: data directory "${dataDir}" is in use by process ${pid}, which ${detail} ` +
        `(lock file ${lockFile}). One process runs the app on a data directory: stop that ` +
        'process, or give this one its own dataDir. Tools (workflow inspect, workflow web, ' +
        'worldkit) need no lock: they read the journals and send their writes to that process.',
    );
  }
}

/**
 * A write from this process had to go to the data directory's writer (the running app), and
 * that process could not be reached or did not answer. Nothing was written by this process.
 */
export class DataDirWriterUnavailableError extends WorldkitError {
  static override readonly code = 'WORLDKIT_LOCAL_WRITER_UNAVAILABLE';
  override readonly name = 'DataDirWriterUnavailableError';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      DataDirWriterUnavailableError.code,
      `@worldkit/local: data directory "${dataDir}" is written by process ${pid}, and this ` +
        `process sends its writes there, but ${reason}. Retry once that process is up, or stop ` +
        'it and run this again (with no app running, the command writes the data directory ' +
        `itself). If process ${pid} is not a Worldkit app, delete ${path.join(dataDir, 'writer.lock')}.`,
      options,
    );
  }
}
