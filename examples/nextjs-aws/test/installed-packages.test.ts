import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findFreePort,
  type RunningFauxqs,
  type RunningServer,
  startFauxqs,
  startPostgresServer,
} from '@worldkit/test-servers';
import { waitUntil } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNPM, packPackages, publicPackages } from '../../../test/support/packed-packages.js';
import { appClient, waitForStatus, waitUntilPaused, worldkitCli } from './support/clients.js';
import { type LoggedProcess, runToEnd, spawnLogged } from './support/processes.js';
import { symlinksLeavingTree } from './support/release-build.js';

/**
 * The example as an app outside this monorepo gets it: the `@worldkit/*` packages packed
 * (`pnpm pack`, as published) and installed into a copy of the app in a temp folder, so
 * `withWorldkit` can keep them external — loaded by Node from node_modules and traced into the
 * standalone output — which a workspace link never allows (Turbopack bundles workspace packages).
 * One build, served against PostgreSQL + SQS with the long-running dispatcher.
 */

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = join(APP_DIR, '../..');
const CLI_BIN = join(REPO_ROOT, 'packages/cli/dist/bin.js');
const PACKAGES = ['core', 'next', 'postgres', 'dynamodb', 'sqs', 'redis', 'http'];
const APP_FILES = [
  'app',
  'workflows',
  'instrumentation.ts',
  'next.config.ts',
  'world.config.ts',
  'tsconfig.json',
];
const VERSION = 'vers_installed';

function log(what: string, ms: number) {
  console.log(`[nextjs-aws installed] ${what}: ${(ms / 1000).toFixed(1)} s`);
}

let root: string;
let appDir: string;
let postgres: RunningServer;
let fauxqs: RunningFauxqs;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'worldkit-nextjs-installed-'));
  appDir = join(root, 'app');
  const packs = join(root, 'packs');
  const servers = Promise.all([
    startPostgresServer().then((server) => {
      postgres = server;
    }),
    startFauxqs().then((server) => {
      fauxqs = server;
    }),
  ]);

  let started = Date.now();
  // Every public package, so the ones the app's packages depend on (e.g. @worldkit/provider)
  // come from tarballs too.
  const tarballs = await packPackages(
    (await publicPackages()).map((pkg) => pkg.directory),
    packs,
  );
  for (const name in tarballs) tarballs[name] = `file:${tarballs[name]}`;
  log('pnpm pack the @worldkit packages', Date.now() - started);

  started = Date.now();
  await mkdir(appDir);
  for (const file of APP_FILES) {
    await cp(join(APP_DIR, file), join(appDir, file), {
      recursive: true,
      filter: (source) => !source.includes('.well-known'),
    });
  }
  const example = JSON.parse(await readFile(join(APP_DIR, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const dependencies: Record<string, string> = {};
  for (const name of PACKAGES) dependencies[`@worldkit/${name}`] = tarballs[`@worldkit/${name}`]!;
  for (const name of ['next', 'react', 'react-dom', 'workflow']) {
    dependencies[name] = example.dependencies[name]!;
  }
  await writeFile(
    join(appDir, 'package.json'),
    JSON.stringify({
      name: 'installed-nextjs-aws',
      private: true,
      type: 'module',
      dependencies,
      devDependencies: {
        '@types/react': example.devDependencies['@types/react'],
        '@types/react-dom': example.devDependencies['@types/react-dom'],
        '@types/node': '^20.19.0',
        typescript: '~5.9.3',
      },
      // The packed packages name each other by version; point those names at the tarballs too.
      pnpm: { overrides: tarballs, onlyBuiltDependencies: ['esbuild', '@swc/core'] },
    }),
  );
  const installed = await runToEnd(PNPM, ['install', '--prefer-offline'], {
    cwd: appDir,
    env: process.env,
    timeoutMs: 600_000,
  });
  if (installed.code !== 0) {
    throw new Error(`pnpm install:\n${installed.stdout}\n${installed.stderr}`);
  }
  log('pnpm install outside the workspace', Date.now() - started);

  started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  env.NODE_ENV = 'production';
  env.APP_RELEASE = 'installed';
  for (const key of Object.keys(env))
    if (/^(WORLDKIT_|WORKFLOW_|VITEST)/.test(key)) delete env[key];
  const build = await runToEnd(join(appDir, 'node_modules/.bin/next'), ['build'], {
    cwd: appDir,
    env,
    timeoutMs: 600_000,
  });
  if (build.code !== 0) throw new Error(`next build:\n${build.stdout}\n${build.stderr}`);
  log('next build', Date.now() - started);
  await servers;
}, 900_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), fauxqs?.stop()]);
  if (root) await rm(root, { recursive: true, force: true });
}, 120_000);

describe('examples/nextjs-aws installed from packed @worldkit packages, outside the workspace', () => {
  it('keeps every @worldkit package external, traced into the standalone output', async () => {
    const standalone = join(appDir, '.next/standalone');
    const externals = await readdir(join(standalone, '.next/node_modules/@worldkit'));
    // Turbopack names each external `<name>-<hash>`, a relative symlink into the traced copy.
    expect(externals.map((entry) => entry.replace(/-[0-9a-f]{16}$/, '')).sort()).toEqual(
      [...PACKAGES].sort(),
    );
    expect(await symlinksLeavingTree(standalone)).toEqual([]);
  });

  it('serves a run from a copy of the output, delivered by the dispatcher', async () => {
    const deploy = join(root, 'deploy');
    await cp(join(appDir, '.next/standalone'), deploy, { recursive: true, verbatimSymlinks: true });
    await cp(join(appDir, '.next/static'), join(deploy, '.next/static'), { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WORLD_BACKEND: 'postgres',
      WORLDKIT_POSTGRES_URL: postgres.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      WORLDKIT_SQS_ENDPOINT: fauxqs.endpoint,
      WORLDKIT_SQS_QUEUE_NAME: `installed-${process.pid}`,
      WORLDKIT_DISPATCH_SECRET: randomBytes(32).toString('hex'),
      NEXT_TELEMETRY_DISABLED: '1',
    };
    delete env.NODE_ENV;
    const setup = await worldkitCli({
      bin: CLI_BIN,
      cwd: APP_DIR,
      env: { ...env, WORLDKIT_SQS_SETUP: 'true' },
    })(['setup']);
    expect(setup.code, setup.stderr).toBe(0);

    const port = await findFreePort();
    const processes: LoggedProcess[] = [];
    try {
      const server = spawnLogged('installed app', process.execPath, ['server.js'], {
        cwd: deploy,
        env: {
          ...env,
          NODE_ENV: 'production',
          HOSTNAME: '127.0.0.1',
          PORT: String(port),
          WORLDKIT_DEPLOYMENT_ID: VERSION,
        },
      });
      processes.push(server);
      // The dispatcher runs from the example (it loads no app code, only world.config.ts).
      processes.push(
        spawnLogged('dispatcher worker', process.execPath, ['dispatcher/worker.mjs'], {
          cwd: APP_DIR,
          env,
        }),
      );
      const app = appClient(`http://127.0.0.1:${port}`);
      await waitUntil(() => app.health().catch(() => undefined), {
        what: 'the installed app to answer',
        timeoutMs: 60_000,
        intervalMs: 100,
        retryErrors: true,
      });
      expect(await app.health()).toMatchObject({
        deploymentId: VERSION,
        release: 'installed',
        storage: 'postgres',
        compute: 'http',
      });
      const cli = worldkitCli({ bin: CLI_BIN, cwd: APP_DIR, env });
      const created = await cli([
        'version',
        'create',
        '--id',
        VERSION,
        '--address',
        app.baseUrl,
        '--manifest',
        join(appDir, 'app/.well-known/workflow/v1/manifest.json'),
      ]);
      expect(created.code, created.stderr).toBe(0);

      const runId = await app.startRun({ workflow: 'token', label: 'installed' });
      await waitUntilPaused(app, runId, 'token', 120_000);
      expect(await app.resumeHook('approval:installed', { ok: true })).toMatchObject({
        status: 200,
      });
      const finished = await waitForStatus(app, runId, 120_000);
      expect(finished, processes.map((process) => process.output()).join('\n')).toMatchObject({
        status: 'completed',
        result: { preparedBy: 'installed', finishedBy: 'installed', received: { ok: true } },
      });
    } finally {
      await Promise.all(processes.map((process) => process.stop()));
    }
  }, 300_000);
});
