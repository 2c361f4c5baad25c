import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  directorySize,
  expectSuccess,
  type PackageManifest,
  packPackages,
  publicPackages,
  REPO_ROOT,
  readManifest,
  run,
  type WorkspacePackage,
} from '../support/packed-packages.js';

/**
 * The kit as a third party gets it: every public `@worldkit/*` package and the example provider
 * (`examples/community-provider`) packed as published, installed with npm into a folder outside
 * the repository with the newest zod, then the example type-checked and its suites run there —
 * no path aliases, no vitest config. What a workspace hides (a missing file in `files`, a
 * `workspace:` range, a second copy of a dependency, a suite that needs the repo's vitest
 * settings) fails here.
 */

const EXAMPLE_DIR = join(REPO_ROOT, 'examples/community-provider');
/**
 * A clean type-check of the example takes seconds. The bound is generous for a busy machine,
 * and far below what two copies of zod cost (a type-check that ran out of memory after
 * 13 minutes).
 */
const TSC_BOUND_MS = 120_000;
/** Peers that are whole frameworks a package integrates with, not installed here. */
const FRAMEWORK_PEERS = ['next', 'aws-cdk-lib', 'constructs'];

let root: string;
let appDir: string;
let packages: WorkspacePackage[];
let example: PackageManifest;
let installedBytes = 0;

function log(what: string, value: string) {
  console.log(`[third-party] ${what}: ${value}`);
}
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What the children see: none of this test runner's settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
  for (const key of Object.keys(env)) {
    if (/^(WORLDKIT_|WORKFLOW_|VITEST|NODE_OPTIONS$|npm_)/.test(key)) delete env[key];
  }
  return env;
}

/** The first fenced `ts` block that follows `heading` in a Markdown file. */
function codeBlockAfter(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  const block = /```ts\n([\s\S]*?)```/.exec(markdown.slice(start));
  if (start < 0 || !block) throw new Error(`no ts block after "${heading}"`);
  return block[1]!;
}

beforeAll(async () => {
  packages = await publicPackages();
  example = await readManifest(EXAMPLE_DIR);
  for (const pkg of packages) assertBuilt(pkg);
  assertBuilt({ path: 'examples/community-provider', directory: EXAMPLE_DIR, manifest: example });

  root = await mkdtemp(join(tmpdir(), 'worldkit-third-party-'));
  appDir = join(root, 'app');
  let started = Date.now();
  const tarballs = await packPackages(
    [...packages.map((pkg) => pkg.directory), EXAMPLE_DIR],
    join(root, 'packs'),
  );
  log(`pnpm pack ${Object.keys(tarballs).length} packages`, seconds(Date.now() - started));

  // The example's own files, as its author has them: sources, tests, tsconfig, README.
  await mkdir(appDir);
  for (const file of ['src', 'test', 'tsconfig.json', 'README.md']) {
    await cp(join(EXAMPLE_DIR, file), join(appDir, file), { recursive: true });
  }
  // The README's world.config.ts, importing the provider from the installed tarball.
  const readme = await readFile(join(EXAMPLE_DIR, 'README.md'), 'utf8');
  await writeFile(join(appDir, 'world.config.ts'), codeBlockAfter(readme, '## Use it'));
  const tsconfig = JSON.parse(await readFile(join(EXAMPLE_DIR, 'tsconfig.json'), 'utf8'));
  tsconfig.include = [...tsconfig.include, 'world.config.ts'];
  await writeFile(join(appDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

  // The example's own dev tools (typescript, vitest, workflow for the whole-World suite), at the
  // ranges its author tests with; the workspace packages come from the tarballs instead.
  const devDependencies = Object.fromEntries(
    Object.entries(example.devDependencies ?? {}).filter(
      ([, range]) => !range.startsWith('workspace:'),
    ),
  );
  const dependencies: Record<string, string> = { zod: 'latest' };
  const overrides: Record<string, string> = {};
  for (const [name, file] of Object.entries(tarballs)) {
    dependencies[name] = `file:${file}`;
    // The packed packages name each other by version (not published here): the tarballs win.
    overrides[name] = `$${name}`;
  }
  // The app installs the packages' peers itself, at the ranges they ask for — except the
  // frameworks only @worldkit/next and @worldkit/aws-cdk plug into (next, aws-cdk-lib), which
  // nothing here uses and which would double the install; `--omit=peer` leaves those out.
  for (const { manifest } of packages) {
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (FRAMEWORK_PEERS.includes(peer) || manifest.peerDependenciesMeta?.[peer]?.optional) {
        continue;
      }
      if (!(peer in dependencies) && !(peer in devDependencies)) dependencies[peer] = range;
    }
  }
  await writeFile(
    join(appDir, 'package.json'),
    JSON.stringify(
      {
        name: 'third-party-app',
        private: true,
        type: 'module',
        dependencies,
        devDependencies,
        overrides,
      },
      null,
      2,
    ),
  );
  started = Date.now();
  expectSuccess(
    'npm install',
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=peer'], {
      cwd: appDir,
      env: cleanEnv(),
      timeoutMs: 600_000,
    }),
  );
  installedBytes = await directorySize(join(appDir, 'node_modules'));
  log('npm install outside the workspace', seconds(Date.now() - started));
  log('installed size', `${(installedBytes / 1024 / 1024).toFixed(0)} MiB in node_modules`);
}, 900_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
}, 120_000);

describe('the packed packages installed by npm outside the workspace', () => {
  it('resolves zod to the one copy the app installs, from every package', async () => {
    // Node's resolution from each package's folder is what both Node and tsc load.
    const script = `
      import { createRequire } from 'node:module';
      const from = (dir) => createRequire(dir + '/').resolve('zod/package.json');
      const names = ${JSON.stringify([...packages.map(({ manifest }) => manifest.name), example.name])};
      const found = { app: from(process.cwd()) };
      for (const name of names) found[name] = from(process.cwd() + '/node_modules/' + name);
      console.log(JSON.stringify(found));`;
    const resolved = expectSuccess(
      'resolving zod',
      await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: appDir,
        env: cleanEnv(),
        timeoutMs: 60_000,
      }),
    );
    const copies = JSON.parse(resolved.stdout) as Record<string, string>;
    const listed = await run('npm', ['ls', 'zod', '--all', '--parseable', '--long'], {
      cwd: appDir,
      env: cleanEnv(),
      timeoutMs: 120_000,
    });
    const everyCopy = new Set(
      listed.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[1]),
    );
    log('zod copies in node_modules (any package)', [...everyCopy].join(', '));
    // A second copy makes every zod type in a public signature two incompatible types, and the
    // type-check of an app that mixes them explode.
    const elsewhere = Object.entries(copies)
      .filter(([, path]) => path !== copies.app)
      .map(([name, path]) => `${name} -> ${path.replace(appDir, '.')}`);
    expect(elsewhere, `the app uses ${copies.app.replace(appDir, '.')}`).toEqual([]);
  });

  it(
    'type-checks the example provider, its tests and its README config quickly',
    async () => {
      const checked = await run(
        join(appDir, 'node_modules/.bin/tsc'),
        ['-p', 'tsconfig.json', '--noEmit', '--extendedDiagnostics'],
        { cwd: appDir, env: cleanEnv(), timeoutMs: TSC_BOUND_MS * 2 },
      );
      const memory = /Memory used:\s+(\S+)/.exec(checked.stdout)?.[1];
      log('tsc --noEmit', `${seconds(checked.ms)}, memory used ${memory}`);
      expect(checked.code, `${checked.stdout}\n${checked.stderr}`).toBe(0);
      expect(checked.ms).toBeLessThan(TSC_BOUND_MS);
    },
    TSC_BOUND_MS * 2 + 10_000,
  );

  it("loads every package's every export under Node", async () => {
    const specifiers: string[] = [example.name];
    const skipped: string[] = [];
    for (const { manifest } of packages) {
      const peers = Object.keys(manifest.peerDependencies ?? {}).filter(
        (peer) => !manifest.peerDependenciesMeta?.[peer]?.optional,
      );
      // vitest can only be imported by a test vitest runs: the suites below load those packages.
      const missing = peers.filter(
        (peer) => peer === 'vitest' || !existsSync(join(appDir, 'node_modules', peer)),
      );
      if (missing.length > 0) {
        skipped.push(`${manifest.name} (needs ${missing.join(', ')})`);
        continue;
      }
      for (const subpath of Object.keys(manifest.exports ?? { '.': '' })) {
        if (subpath !== './package.json') specifiers.push(manifest.name + subpath.slice(1));
      }
    }
    log('not loaded on their own', skipped.join('; '));
    const script = `for (const s of ${JSON.stringify(specifiers)}) await import(s);`;
    const loaded = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: appDir,
      env: cleanEnv(),
      timeoutMs: 120_000,
    });
    expect(loaded.code, loaded.stderr).toBe(0);
  }, 130_000);

  it("passes the queue conformance suite with vitest's defaults", async () => {
    const readme = await readFile(join(appDir, 'README.md'), 'utf8');
    const test = await readFile(join(appDir, 'test/memory-queue.conformance.test.ts'), 'utf8');
    // The README shows the whole test file.
    expect(`${codeBlockAfter(readme, '## Prove it').replace(/^\/\/.*\n/, '')}`).toBe(test);

    const suite = await run(
      join(appDir, 'node_modules/.bin/vitest'),
      ['run', 'test/memory-queue.conformance.test.ts'],
      { cwd: appDir, env: cleanEnv(), timeoutMs: 300_000 },
    );
    log('queue conformance suite', seconds(suite.ms));
    expect(suite.code, `${suite.stdout}\n${suite.stderr}`).toBe(0);
    expect(suite.stdout).toMatch(/Tests\s+\d+ passed/);
  }, 310_000);

  it("passes the whole-World suite (with @worldkit/local storage and streamer) with vitest's defaults", async () => {
    const suite = await run(
      join(appDir, 'node_modules/.bin/vitest'),
      ['run', 'test/world.conformance.test.ts'],
      { cwd: appDir, env: cleanEnv(), timeoutMs: 600_000 },
    );
    log('whole-World suite', seconds(suite.ms));
    expect(suite.code, `${suite.stdout}\n${suite.stderr}`).toBe(0);
    expect(suite.stdout).toMatch(/Tests\s+\d+ passed/);
  }, 610_000);
});
