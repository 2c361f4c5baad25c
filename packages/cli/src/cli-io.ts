/** Where the CLI reads its environment from and writes to; `bin.ts` passes the process's own. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Environment for CLI settings (`WORLDKIT_CONFIG`). Providers still read `process.env`. */
  env: Record<string, string | undefined>;
  /** Directory the config file is looked up in and relative paths resolve against. */
  cwd: string;
}

export interface OutputStream {
  write(text: string): unknown;
  /** Progress bars draw only on a terminal. */
  isTTY?: boolean;
}

export function defaultIo(): CliIo {
  processStreams ??= { stdout: closable(process.stdout), stderr: closable(process.stderr) };
  return { ...processStreams, env: process.env, cwd: process.cwd() };
}

/** True once the reader of the process's stdout went away (`worldkit doctor | head -1`). */
export function processStdoutClosed(): boolean {
  return processStreams?.stdout.closed ?? false;
}

type ClosableStream = OutputStream & { readonly closed: boolean };

let processStreams: { stdout: ClosableStream; stderr: ClosableStream } | undefined;

/**
 * A process stream that goes quiet when its reader closes the pipe early (`| head -1`): the
 * write fails with EPIPE, which Node reports as an `error` event that would otherwise crash the
 * command mid-way (exit 1, a stack trace, and a World never closed). The command finishes
 * instead, writing nothing more there, and exits with its own status.
 */
function closable(stream: NodeJS.WriteStream): ClosableStream {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    closed = true;
  });
  return {
    get closed() {
      return closed;
    },
    get isTTY() {
      return stream.isTTY;
    },
    write: (text: string) => (closed ? false : stream.write(text)),
  };
}
