import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** This package's root, from `src/world` or `dist/world`. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The workflows the whole-World suite runs. */
export const FIXTURES_DIRECTORY = join(PACKAGE_ROOT, 'fixtures');
const MANIFEST = join('.well-known', 'workflow', 'v1', 'manifest.json');

export interface BuildWorkflowsOptions {
  /** A directory with a `workflows/` folder (and a package.json without `"type": "module"`). */
  sourceDirectory: string;
  /** Where builds are kept, one folder per hash of the sources (default: the OS temp dir). */
  cacheDirectory?: string;
}

export interface BuiltWorkflows {
  /** Pass to `loadWorkflowCode({ directory })`. */
  directory: string;
  /** Hash of the sources and the `workflow` version the build came from. */
  hash: string;
  /** False when an earlier build of the same sources was reused. */
  built: boolean;
}

/** A lock older than this belonged to a build that died; a real build takes seconds. */
const STALE_LOCK_MS = 5 * 60_000;

/**
 * Runs `wf build` (standalone target) on a copy of `sourceDirectory` and caches the result
 * by a hash of the sources, so repeated runs and parallel test processes skip the build.
 * One process builds while the others wait on a lock directory; the build is written to a
 * temporary folder and renamed into place, so nobody ever sees a half-written build.
 */
export async function buildWorkflows(options: BuildWorkflowsOptions): Promise<BuiltWorkflows> {
  const sourceDirectory = resolve(options.sourceDirectory);
  const cacheDirectory = resolve(options.cacheDirectory ?? join(tmpdir(), 'worldkit-workflows'));
  const hash = hashSources(sourceDirectory);
  const directory = join(cacheDirectory, hash);
  const lock = `${directory}.lock`;
  mkdirSync(cacheDirectory, { recursive: true });

  while (!existsSync(join(directory, MANIFEST))) {
    if (tryLock(lock)) {
      try {
        if (existsSync(join(directory, MANIFEST))) break;
        await buildInto(sourceDirectory, directory);
        return { directory, hash, built: true };
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
  }
  return { directory, hash, built: false };
}

/** Where a lock names the process holding it, so a lock left by a killed build is seen at once. */
const OWNER_FILE = 'owner.json';

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (lockIsAbandoned(lock)) rmSync(lock, { recursive: true });
    } catch {
      // The holder released it meanwhile; the next round tries again.
    }
    return false;
  }
}

/**
 * A lock is abandoned when the process that took it on this host is gone (a test run killed
 * mid-build), or, when its owner cannot be read, once it is older than any real build.
 */
function lockIsAbandoned(lock: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(lock, OWNER_FILE), 'utf8')) as {
      pid?: unknown;
      host?: unknown;
    };
    if (typeof owner.pid === 'number' && owner.host === hostname())
      return !processIsAlive(owner.pid);
  } catch {
    // No owner yet (taken a moment ago) or written by an older kit: fall back to its age.
  }
  return Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function buildInto(sourceDirectory: string, directory: string) {
  const workDirectory = `${directory}.build-${process.pid}-${Date.now()}`;
  try {
    copySources(sourceDirectory, workDirectory);
    await runWorkflowBuild(workDirectory);
    // The compiler's cache is only useful to the build itself.
    rmSync(join(workDirectory, '.swc'), { recursive: true, force: true });
    renameSync(workDirectory, directory);
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

/** Builds the workflows in this package's `fixtures/` folder. */
export function buildWorkflowFixtures(options: { cacheDirectory?: string } = {}) {
  return buildWorkflows({ sourceDirectory: FIXTURES_DIRECTORY, ...options });
}

/**
 * Copies the workflow sources into the build folder and links the installed `workflow`
 * package next to them: the sources import it, and the built `webhook.js` imports
 * `workflow/api` at run time, so it must resolve from wherever the build is cached.
 */
function copySources(sourceDirectory: string, workDirectory: string) {
  mkdirSync(join(workDirectory, 'node_modules'), { recursive: true });
  symlinkSync(workflowPackage().root, join(workDirectory, 'node_modules', 'workflow'), 'dir');
  cpSync(join(sourceDirectory, 'workflows'), join(workDirectory, 'workflows'), {
    recursive: true,
  });
  const packageJson = join(sourceDirectory, 'package.json');
  if (existsSync(packageJson)) cpSync(packageJson, join(workDirectory, 'package.json'));
}

function hashSources(sourceDirectory: string): string {
  const hash = createHash('sha256');
  // The build links the installed `workflow` package, so each install gets its own build.
  const { version, root } = workflowPackage();
  hash.update(`workflow@${version} ${root}\n`);
  const files = [
    ...listFiles(join(sourceDirectory, 'workflows')),
    join(sourceDirectory, 'package.json'),
  ];
  for (const file of files.filter((path) => existsSync(path))) {
    hash.update(`${relative(sourceDirectory, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(directory: string): string[] {
  if (!existsSync(directory)) {
    throw new Error(`No workflows/ folder in ${dirname(directory)}`);
  }
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * The installed `workflow` package. It does not export `./package.json`, so this resolves its
 * entry point and walks up to the package root.
 */
function workflowPackage(): { version: string; bin: Record<string, string>; root: string } {
  let entry: string;
  try {
    entry = require.resolve('workflow');
  } catch {
    throw new Error(
      'The whole-World suite and buildWorkflows need the `workflow` package (the Workflow SDK), an optional peer of @worldkit/testing: install it next to the kit (npm install -D workflow).',
    );
  }
  let directory = dirname(entry);
  while (true) {
    const path = join(directory, 'package.json');
    if (existsSync(path)) {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
        name?: string;
        version: string;
        bin: Record<string, string>;
      };
      if (parsed.name === 'workflow') return { ...parsed, root: directory };
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error('cannot find the `workflow` package root');
    directory = parent;
  }
}

function runWorkflowBuild(cwd: string): Promise<void> {
  const pkg = workflowPackage();
  const bin = join(pkg.root, pkg.bin.wf ?? pkg.bin.workflow!);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, 'build'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && existsSync(join(cwd, MANIFEST))) resolvePromise();
      else reject(new Error(`wf build failed in ${cwd} (exit ${code}):\n${output}`));
    });
  });
}
