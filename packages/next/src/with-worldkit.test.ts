import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installedPackages, instrumentationProblem, withWorldkit } from './with-worldkit.js';

const CONTEXT = { defaultConfig: {} };

/** An app directory whose node_modules holds exactly `packages` (package.json files only). */
async function appWith(packages: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'worldkit-next-app-'));
  await writeFile(join(dir, 'package.json'), '{"name":"app","private":true}');
  for (const name of packages) {
    await mkdir(join(dir, 'node_modules', name), { recursive: true });
    await writeFile(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name }));
  }
  return dir;
}

describe('withWorldkit', () => {
  const saved = { ...process.env };
  let app: string;
  beforeEach(async () => {
    app = await appWith(['@worldkit/core', '@worldkit/sqs', '@worldkit/postgres']);
  });
  afterEach(async () => {
    await rm(app, { recursive: true, force: true });
    // withWorkflow defaults WORKFLOW_TARGET_WORLD for the build process; keep this one clean.
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('keeps the installed @worldkit packages external, after the ones the app lists', async () => {
    const config = await withWorldkit(
      { output: 'standalone', serverExternalPackages: ['sharp'] },
      { projectDir: app, serverExternalPackages: ['pg', 'not-installed-anywhere'] },
    )('phase-production-server', CONTEXT);
    expect(config.output).toBe('standalone');
    expect(config.serverExternalPackages).toEqual([
      'sharp',
      '@worldkit/core',
      '@worldkit/postgres',
      '@worldkit/sqs',
    ]);
    // withWorkflow ran: its Turbopack rules are there.
    expect(Object.keys(config.turbopack?.rules ?? {})).toContain('*.ts');
  });

  it('accepts a config function and passes phase and context through', async () => {
    const seen: string[] = [];
    const config = await withWorldkit(
      async (phase) => {
        seen.push(phase);
        return { basePath: '/app' };
      },
      { projectDir: app },
    )('phase-production-server', CONTEXT);
    expect(seen).toEqual(['phase-production-server']);
    expect(config.basePath).toBe('/app');
  });
});

describe('installedPackages', () => {
  it('keeps the names that resolve from the directory', async () => {
    const app = await appWith(['@worldkit/core', 'pg']);
    try {
      expect(
        installedPackages(app, ['@worldkit/core', '@worldkit/postgres', 'pg', 'nope']),
      ).toEqual(['@worldkit/core', 'pg']);
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });
});

describe('instrumentationProblem', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'worldkit-next-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says what to add when there is no instrumentation file', () => {
    expect(instrumentationProblem(dir)).toMatch(/no instrumentation\.ts .*registerWorldkit\(\)/);
  });

  it('names the file that does not register the World', async () => {
    await writeFile(join(dir, 'instrumentation.ts'), 'export function register() {}\n');
    expect(instrumentationProblem(dir)).toMatch(
      /instrumentation\.ts does not call registerWorldkit/,
    );
  });

  it('is satisfied by src/instrumentation.ts calling registerWorldkit', async () => {
    await mkdir(join(dir, 'src'));
    await writeFile(
      join(dir, 'src/instrumentation.ts'),
      "export async function register() { (await import('@worldkit/next/register')).registerWorldkit({} as never); }\n",
    );
    expect(instrumentationProblem(dir)).toBeUndefined();
  });
});
