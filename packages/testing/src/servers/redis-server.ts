import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { stopProcess } from './stop-process.js';
import { waitForPort } from './wait-for-port.js';

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a throw-away redis-server bound to 127.0.0.1 on a free port, in the foreground
 * (so we own its PID), with persistence off and `noeviction` (BullMQ needs every key kept).
 */
export async function startRedisServer(binary = 'redis-server'): Promise<RunningServer> {
  const port = await findFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'worldkit-redis-'));
  const child: ChildProcess = spawn(
    binary,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  );
  await onceSpawned(child, binary);
  await waitForPort(port, 10_000, 'redis-server');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function onceSpawned(child: ChildProcess, binary: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error) =>
      reject(new Error(`could not start ${binary}: ${error.message} (is it installed?)`)),
    );
  });
}
