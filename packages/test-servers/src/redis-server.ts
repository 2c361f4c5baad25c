import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { stopProcess } from './stop-process.js';
import { SERVER_START_TIMEOUT_MS, waitForPort } from './wait-for-port.js';

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** A server a test can take down and bring back, to simulate an outage. */
export interface RestartableServer extends RunningServer {
  /** Stops the server process by its PID, keeping its data; `pid` is stale until `startAgain`. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same port with the data it had when it stopped. */
  startAgain(): Promise<void>;
}

/**
 * Starts a throw-away redis-server bound to 127.0.0.1 on a free port, in the foreground
 * (so we own its PID), with persistence off and `noeviction` (BullMQ needs every key kept).
 */
export async function startRedisServer(binary = 'redis-server'): Promise<RestartableServer> {
  const port = await findFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'worldkit-redis-'));
  const args = [
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
    // No periodic snapshots, but SIGINT (stopServer) writes one on the way down, so the
    // restarted server loads every key; SIGTERM (stop) still exits without writing.
    '--shutdown-on-sigint',
    'save',
  ];
  const launch = async () => {
    const child: ChildProcess = spawn(binary, args, { stdio: 'ignore' });
    await onceSpawned(child, binary);
    await waitForPort(port, SERVER_START_TIMEOUT_MS, 'redis-server');
    return child;
  };
  let child = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid!;
    },
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
    stopServer: () => stopProcess(child, 10_000, 'SIGINT'),
    async startAgain() {
      child = await launch();
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
