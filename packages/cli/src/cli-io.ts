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
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
