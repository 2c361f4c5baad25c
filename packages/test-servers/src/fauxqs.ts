import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onceSpawned } from './redis-server.js';
import { stopProcess } from './stop-process.js';
import { SERVER_START_TIMEOUT_MS } from './wait-for-port.js';

export interface RunningFauxqs {
  /** `http://127.0.0.1:<port>`: pass it as the SQS client's `endpoint`. */
  endpoint: string;
  port: number;
  pid: number;
  /** Region fauxqs puts in queue URLs and ARNs when a request names none. */
  region: string;
  stop(): Promise<void>;
}

/**
 * Runs in the child. fauxqs's own CLI listens on 0.0.0.0, so the launcher builds the app and
 * listens on loopback itself; port 0 lets the kernel pick, and the chosen port is printed as
 * the first stdout line. Loaded from this package's directory so `fauxqs` resolves
 * from its dependencies wherever this package is installed.
 */
const LAUNCHER = `
import { buildApp } from 'fauxqs';
const app = buildApp({ logger: false });
await app.listen({ host: '127.0.0.1', port: Number(process.env.FAUXQS_LISTEN_PORT ?? 0) });
process.stdout.write(JSON.stringify({ port: app.server.address().port }) + '\\n');
const stop = () => app.close().then(() => process.exit(0), () => process.exit(1));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
`;

const START_TIMEOUT_MS = SERVER_START_TIMEOUT_MS;

/**
 * Starts fauxqs (an in-memory SQS emulator) in a child process bound to 127.0.0.1, so tests
 * can stop it by PID or kill it to simulate a crash. Its queue URLs name a host that does not
 * resolve (`sqs.<region>.localhost`): give SQS clients `endpoint` explicitly, which makes the
 * AWS SDK send every call there whatever the queue URL says.
 */
export async function startFauxqs(options: { port?: number } = {}): Promise<RunningFauxqs> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '--eval', LAUNCHER], {
    cwd: serversPackageDirectory(),
    env: { ...process.env, FAUXQS_LISTEN_PORT: String(options.port ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await onceSpawned(child, 'node (fauxqs launcher)');
  let port: number;
  try {
    port = await readAnnouncedPort(child);
  } catch (error) {
    await stopProcess(child, 1_000);
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    region: 'us-east-1',
    stop: () => stopProcess(child, 5_000),
  };
}

function readAnnouncedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`fauxqs did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    const onExit = (code: number | null) =>
      fail(new Error(`fauxqs exited with code ${code} before listening: ${stderr}`));
    const onStdout = (data: Buffer) => {
      stdout += data.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      try {
        const { port } = JSON.parse(stdout.slice(0, newline)) as { port: number };
        done();
        resolve(port);
      } catch (error) {
        fail(error as Error);
      }
    };
    const onStderr = (data: Buffer) => {
      stderr += data.toString();
    };
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onStdout);
      child.stderr?.off('data', onStderr);
      // Keep draining both pipes so a chatty child never blocks on a full pipe buffer.
      child.stdout?.resume();
      child.stderr?.resume();
    };
    const fail = (error: Error) => {
      done();
      reject(error);
    };
    child.once('exit', onExit);
    child.stdout?.on('data', onStdout);
    child.stderr?.on('data', onStderr);
  });
}

/** The directory of `@worldkit/test-servers`'s package.json, from source or from dist. */
function serversPackageDirectory(): string {
  let directory = dirname(realpathSync(fileURLToPath(import.meta.url)));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('could not find the @worldkit/test-servers package');
    directory = parent;
  }
  return directory;
}
