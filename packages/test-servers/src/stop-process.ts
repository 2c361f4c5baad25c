import type { ChildProcess } from 'node:child_process';

/**
 * Stops a process we started, by its PID: `signal` (SIGTERM unless told), then SIGKILL if it
 * lingers.
 */
export async function stopProcess(
  child: ChildProcess,
  graceMs = 5000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, signal);
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
