import { type ChildProcess, spawn } from 'node:child_process';
import { stopProcess } from '@worldkit/test-servers';

/** A child process whose output is kept (the last lines) for failure messages. */
export interface LoggedProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last lines the process printed, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code once the process exits. */
  exited: Promise<number | null>;
  /** Stops it by its PID (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const KEPT_LINES = 300;

export function spawnLogged(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): LoggedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (data: Buffer) => {
    for (const line of data.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  return {
    name,
    child,
    pid: child.pid,
    output: () => lines.join('\n'),
    exited,
    stop: (graceMs = 10_000) => stopProcess(child, graceMs),
  };
}

/** Runs a command to completion; never throws on a non-zero exit (the caller checks `code`). */
export function runToEnd(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const timer = setTimeout(() => {
      void stopProcess(child, 2_000);
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
