import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Packing workspace packages as they are published and installing them outside the monorepo,
 * shared by every test that checks what a user of the packages gets (the third-party tests in
 * `test/third-party`, the installed Next.js example).
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The pnpm the workspace pins (a devDependency of the root), so no global install is needed. */
export const PNPM = join(REPO_ROOT, 'node_modules/.bin/pnpm');

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  type?: string;
  main?: string;
  types?: string;
  bin?: string | Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  files?: string[];
  sideEffects?: boolean | string[];
  keywords?: string[];
  homepage?: string;
  bugs?: { url: string } | string;
  repository?: { type: string; url: string; directory?: string } | string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface WorkspacePackage {
  /** Directory relative to the repository root, e.g. `packages/core`. */
  path: string;
  directory: string;
  manifest: PackageManifest;
}

export async function readManifest(directory: string): Promise<PackageManifest> {
  return JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as PackageManifest;
}

/** Every package under `packages/` that is published (not `private`), sorted by name. */
export async function publicPackages(): Promise<WorkspacePackage[]> {
  const found: WorkspacePackage[] = [];
  for (const entry of await readdir(join(REPO_ROOT, 'packages'), { withFileTypes: true })) {
    const directory = join(REPO_ROOT, 'packages', entry.name);
    if (!entry.isDirectory() || !existsSync(join(directory, 'package.json'))) continue;
    const manifest = await readManifest(directory);
    if (!manifest.private) found.push({ path: `packages/${entry.name}`, directory, manifest });
  }
  return found.sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end; never throws on a non-zero exit (the caller checks `code`). */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const note = error?.killed ? `\n(killed after ${options.timeoutMs} ms)` : '';
        resolvePromise({ code, stdout, stderr: stderr + note, ms: Date.now() - started });
      },
    );
  });
}

/** Fails with the command's output when it did not exit with 0. */
export function expectSuccess(what: string, result: CommandResult): CommandResult {
  if (result.code !== 0) {
    throw new Error(`${what} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** A `dist` the package's `exports` point at must exist; packing an unbuilt package is a mistake. */
export function assertBuilt(pkg: WorkspacePackage): void {
  const entry = pkg.manifest.types ?? pkg.manifest.main;
  if (entry && !existsSync(join(pkg.directory, entry))) {
    throw new Error(
      `${pkg.manifest.name} is not built (${entry} is missing): run \`npx turbo run build\` first`,
    );
  }
}

/**
 * `pnpm pack` of each directory into `destination`, as `pnpm publish` would upload it
 * (`workspace:` ranges rewritten to the versions they point at), in one pnpm process. Returns
 * each package's name and tarball path.
 */
export async function packPackages(
  directories: string[],
  destination: string,
): Promise<Record<string, string>> {
  await mkdir(destination, { recursive: true });
  const filters = directories.flatMap((directory) => [
    '--filter',
    `./${relative(REPO_ROOT, directory)}`,
  ]);
  const packed = expectSuccess(
    'pnpm pack',
    await run(PNPM, ['-r', ...filters, 'pack', '--pack-destination', destination, '--json'], {
      cwd: REPO_ROOT,
      timeoutMs: 300_000,
    }),
  );
  const reports = JSON.parse(packed.stdout) as Array<{ name: string; filename: string }>;
  const tarballs: Record<string, string> = {};
  for (const report of [reports].flat())
    tarballs[report.name] = resolve(destination, report.filename);
  if (Object.keys(tarballs).length !== directories.length) {
    throw new Error(
      `pnpm pack packed ${Object.keys(tarballs).join(', ')} of ${directories.join(', ')}`,
    );
  }
  return tarballs;
}

/** The packed files of a package, as `npm pack --dry-run` lists them (nothing is written). */
export async function packedFiles(directory: string): Promise<string[]> {
  const listed = expectSuccess(
    `npm pack --dry-run in ${directory}`,
    await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: directory,
      timeoutMs: 120_000,
    }),
  );
  const [report] = JSON.parse(listed.stdout) as Array<{ files: Array<{ path: string }> }>;
  return report.files.map((file) => file.path).sort();
}

/** Total size in bytes of a directory tree (symlinks not followed). */
export async function directorySize(directory: string): Promise<number> {
  const { lstat } = await import('node:fs/promises');
  let total = 0;
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) await walk(child);
      else total += (await lstat(child)).size;
    }
  };
  await walk(directory);
  return total;
}
