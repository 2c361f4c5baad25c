import { cp, lstat, mkdir, readdir, readlink, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { runToEnd } from './processes.js';

/** One `next build` of the example, copied out of the workspace like a deployment artifact. */
export interface ReleaseBuild {
  release: string;
  /** The deployment folder (outside the workspace) holding the standalone output. */
  root: string;
  /** The folder of `server.js` inside it. */
  serverDir: string;
  /** The build's workflow manifest, copied next to the deployment (the next build overwrites the app's). */
  manifest: string;
  buildMs: number;
  copyMs: number;
}

/** Where `withWorkflow` writes the manifest, relative to the app directory. */
export const MANIFEST_PATH = 'app/.well-known/workflow/v1/manifest.json';

/**
 * `next build` with `APP_RELEASE=<release>` (standalone output), then copies `.next/standalone`
 * and `.next/static` to `<deployRoot>/<release>`, keeping symlinks as they are (Next writes
 * relative ones). Builds of one app directory must run one at a time.
 */
export async function buildRelease(
  appDir: string,
  release: string,
  deployRoot: string,
): Promise<ReleaseBuild> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    APP_RELEASE: release,
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
  };
  const build = await runToEnd(join(appDir, 'node_modules/.bin/next'), ['build'], {
    cwd: appDir,
    env,
    timeoutMs: 600_000,
  });
  if (build.code !== 0) {
    throw new Error(
      `next build (${release}) exited ${build.code}:\n${build.stdout}\n${build.stderr}`,
    );
  }
  const copyStarted = Date.now();
  const root = join(deployRoot, release);
  await rm(root, { recursive: true, force: true });
  await cp(join(appDir, '.next/standalone'), root, { recursive: true, verbatimSymlinks: true });
  const serverDir = await findServerDir(root);
  await cp(join(appDir, '.next/static'), join(serverDir, '.next/static'), { recursive: true });
  const manifest = join(root, 'workflow-manifest.json');
  await mkdir(dirname(manifest), { recursive: true });
  await cp(join(appDir, MANIFEST_PATH), manifest);
  return {
    release,
    root,
    serverDir,
    manifest,
    buildMs: build.ms,
    copyMs: Date.now() - copyStarted,
  };
}

/** The directory holding `server.js` (Next mirrors the app's path under the tracing root). */
async function findServerDir(root: string): Promise<string> {
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((entry) => entry.isFile() && entry.name === 'server.js')) return dir;
    for (const entry of entries) {
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) {
        queue.push(join(dir, entry.name));
      }
    }
  }
  throw new Error(`no server.js in the standalone output copied to ${root}`);
}

/** Symlinks in `root` whose target is absolute or lies outside `root`: each is a leak. */
export async function symlinksLeavingTree(root: string): Promise<string[]> {
  const leaks: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await readlink(path);
        const resolved = resolve(dirname(path), target);
        if (isAbsolute(target) || relative(root, resolved).startsWith('..')) {
          leaks.push(`${relative(root, path)} -> ${target}`);
        }
      } else if (entry.isDirectory()) {
        await walk(path);
      }
    }
  };
  await walk(root);
  return leaks;
}

/** Whether `path` exists (without following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
