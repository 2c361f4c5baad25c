import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { onceSpawned, type RestartableServer } from './redis-server.js';
import { stopProcess } from './stop-process.js';
import { SERVER_START_TIMEOUT_MS, waitForPort } from './wait-for-port.js';

/** Finds Debian's PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`), newest first. */
export function findPostgresBinaries(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (!majors[0])
    throw new Error(`no PostgreSQL server binaries under ${root} (install the postgresql package)`);
  return join(root, majors[0], 'bin');
}

/**
 * Starts a throw-away PostgreSQL cluster bound to 127.0.0.1 on a free port (trust auth,
 * fsync off: test data only). PostgreSQL refuses to run as root, so when we are root the
 * cluster runs as the `postgres` system user, spawned directly so we still own its PID.
 */
export async function startPostgresServer(): Promise<RestartableServer & { database: string }> {
  const bin = findPostgresBinaries();
  const port = await findFreePort();
  const dir = await mkdtemp(join(tmpdir(), 'worldkit-pg-'));
  const identity = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (identity) await chown(dir, identity.uid, identity.gid);
  const dataDir = join(dir, 'data');
  execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync'], {
    stdio: 'ignore',
    ...identity,
  });
  const launch = async () => {
    const child: ChildProcess = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { stdio: 'ignore', ...identity },
    );
    await onceSpawned(child, 'postgres');
    await waitForPort(port, SERVER_START_TIMEOUT_MS, 'postgres');
    await waitUntilAcceptingConnections(bin, port, SERVER_START_TIMEOUT_MS);
    return child;
  };
  let child = await launch();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    database: 'postgres',
    port,
    get pid() {
      return child.pid!;
    },
    async stop() {
      await stopProcess(child, 10_000);
      await rm(dir, { recursive: true, force: true });
    },
    // SIGINT is PostgreSQL's fast shutdown: it ends client sessions at once (SIGTERM would
    // wait for every pooled connection to close) and checkpoints, so the data directory
    // starts again cleanly.
    stopServer: () => stopProcess(child, 10_000, 'SIGINT'),
    async startAgain() {
      child = await launch();
    },
  };
}

/**
 * The port opens before the server takes sessions: until recovery ends it answers "the
 * database system is starting up". On a loaded machine that window is long enough for a
 * test's first query to land in it, so wait for `pg_isready` to say yes.
 */
async function waitUntilAcceptingConnections(bin: string, port: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const ready = () =>
    new Promise<boolean>((resolve) => {
      execFile(
        join(bin, 'pg_isready'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '2'],
        (error) => resolve(!error),
      );
    });
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new Error(
        `postgres on 127.0.0.1:${port} did not accept sessions within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}
