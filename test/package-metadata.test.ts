import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  packedFiles,
  publicPackages,
  REPO_ROOT,
  type WorkspacePackage,
} from './support/packed-packages.js';

/**
 * What every published package carries, checked on what `npm pack` would upload: metadata a
 * registry page and a bug report need, a license, entry points that exist, no tests, source
 * maps whose sources ship, and every module its type declarations import declared.
 */

const REPOSITORY_URL = 'git+https://github.com/worldkit/worldkit.git';
const LICENSE_TEXT = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
const TEST_FILE = /(^|\/)(test-support\/|[^/]*\.(test|spec|fixture)\.[cm]?[jt]s$)/;

const packages = await publicPackages();
const packed = new Map<string, string[]>();

beforeAll(async () => {
  for (const pkg of packages) assertBuilt(pkg);
  // A few npm processes at a time: each spends most of its seconds starting up.
  const queue = [...packages];
  const worker = async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
      packed.set(pkg.path, await packedFiles(pkg.directory));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}, 300_000);

/** Every target of `exports` (nested conditions flattened), as `./dist/...` paths. */
function exportTargets(pkg: WorkspacePackage): string[] {
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.manifest.exports);
  return targets;
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Whether an installed dependency ships its own type declarations. */
function shipsTypes(from: string, name: string): boolean | undefined {
  for (const base of [join(from, 'node_modules'), join(REPO_ROOT, 'node_modules')]) {
    const manifestPath = join(base, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    // A `main` of `dist/index.js` or `./lib` has its declarations beside it, if any.
    const main = String(manifest.main ?? 'index').replace(/\.[cm]?js$/, '');
    return Boolean(
      manifest.types ||
        manifest.typings ||
        JSON.stringify(manifest.exports ?? {}).includes('"types"') ||
        ['index.d.ts', `${main}.d.ts`, `${main}/index.d.ts`].some((file) =>
          existsSync(join(base, name, file)),
        ),
    );
  }
  return undefined;
}

describe.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))('%s', (_name, pkg) => {
  const { manifest } = pkg;
  const files = () => packed.get(pkg.path)!;

  it('names its license, repository folder, homepage, issue tracker and keywords', () => {
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(join(pkg.directory, 'LICENSE'), 'utf8')).toBe(LICENSE_TEXT);
    expect(manifest.repository).toEqual({
      type: 'git',
      url: REPOSITORY_URL,
      directory: pkg.path,
    });
    expect(manifest.homepage).toMatch(new RegExp(`/tree/main/${pkg.path}#readme$`));
    expect(manifest.bugs).toEqual({ url: expect.stringMatching(/\/issues$/) });
    expect(manifest.keywords).toContain('worldkit');
    expect(
      manifest.sideEffects,
      'declare sideEffects (false, or the files that have them)',
    ).toBeDefined();
    expect(manifest.type).toBe('module');
  });

  it('points main, types and every export at files it ships', () => {
    const root = manifest.exports?.['.'] as Record<string, string> | undefined;
    expect(root, 'an exports "." entry').toBeDefined();
    expect(`./${posix.normalize(manifest.types!)}`).toBe(root!.types);
    expect(`./${posix.normalize(manifest.main!)}`).toBe(root!.default);
    expect(manifest.exports?.['./package.json']).toBe('./package.json');
    for (const target of exportTargets(pkg)) {
      expect(files(), `exports target ${target}`).toContain(posix.normalize(target));
    }
    for (const target of Object.values(
      typeof manifest.bin === 'string' ? { bin: manifest.bin } : (manifest.bin ?? {}),
    )) {
      expect(files(), `bin ${target}`).toContain(posix.normalize(target));
    }
  });

  it('packs dist, its sources, README.md and LICENSE, and no tests', () => {
    expect(files()).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
    expect(files().some((file) => file.startsWith('dist/'))).toBe(true);
    expect(files().filter((file) => TEST_FILE.test(file))).toEqual([]);
  });

  it('ships the source of every source map and declaration map it ships', () => {
    const missing: string[] = [];
    for (const file of files().filter((name) => name.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(pkg.directory, file), 'utf8')) as {
        sourceRoot?: string;
        sources: string[];
        sourcesContent?: unknown[];
      };
      map.sources.forEach((source, index) => {
        if (map.sourcesContent?.[index]) return;
        const shipped = posix.normalize(posix.join(dirname(file), map.sourceRoot ?? '', source));
        if (files().includes(shipped)) return;
        // tsc never deletes outputs: a map whose source is gone is a leftover of an old build.
        const stale = !existsSync(join(pkg.directory, shipped));
        missing.push(
          `${file} -> ${shipped}${stale ? ' (stale build output: delete dist and rebuild)' : ''}`,
        );
      });
    }
    expect(missing).toEqual([]);
  });

  it('declares every module its type declarations import, with its types', () => {
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const problems = new Set<string>();
    for (const file of files().filter((name) => name.endsWith('.d.ts'))) {
      const text = readFileSync(join(pkg.directory, file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
        if (specifier!.startsWith('.') || specifier!.startsWith('node:')) continue;
        const name = packageOf(specifier!);
        if (builtinModules.includes(name) || name === manifest.name) continue;
        if (!declared.has(name)) {
          problems.add(`${file} imports ${name}, which is not a dependency`);
          continue;
        }
        const typesPackage = `@types/${name.replace(/^@/, '').replace('/', '__')}`;
        if (shipsTypes(pkg.directory, name) === false && !declared.has(typesPackage)) {
          problems.add(
            `${file} imports ${name}, whose types (${typesPackage}) are not a dependency`,
          );
        }
      }
    }
    expect([...problems]).toEqual([]);
  });
});
