import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, packageUrl, writeConfig } from './test-support/cli-harness.js';

const run = promisify(execFile);
// The published entry point; `npm test` builds every package before vitest runs.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

let project: { dir: string; remove(): Promise<void> };

async function worldkit(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: project.dir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build @worldkit/cli first`);
  project = await makeTempDir('bin');
  await writeConfig(
    project.dir,
    'world.config.mjs',
    `import { local } from '${packageUrl('@worldkit/local')}';
export default { ...local({ dataDir: 'data' }) };
`,
  );
});

afterAll(async () => {
  await project?.remove();
});

describe('dist/bin.js', () => {
  it('runs as an executable and exits with the command status', async () => {
    const created = await worldkit(['version', 'create', '--id', 'v1', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ id: 'v1', current: false });

    const usage = await worldkit(['version', 'create', '--ramp', '5']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("worldkit: unknown option '--ramp'\n");

    const missing = await worldkit(['version', 'get', 'v9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('worldkit: version "v9" does not exist\n');
  });
});

describe('the package bin (bin/worldkit.mjs)', () => {
  it('is a committed file, so installs link it before the build, and runs dist/bin.js', async () => {
    const packageJson = JSON.parse(
      await readFile(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'),
    ) as { bin: Record<string, string>; files: string[] };
    expect(packageJson.bin).toEqual({ worldkit: './bin/worldkit.mjs' });
    expect(packageJson.files).toContain('bin');
    const shim = fileURLToPath(new URL('../bin/worldkit.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [shim, 'version', 'list', '--json'], {
      cwd: project.dir,
    });
    expect(JSON.parse(stdout)).toHaveProperty('versions');
  });
});

describe('output into a pipe closed early', () => {
  /** Runs the bin with its stdout piped to a reader that closes after `keepLines` lines. */
  function worldkitInto(args: string[], keepLines: number) {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: project.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kept: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    if (keepLines === 0) {
      child.stdout.destroy();
    } else {
      let pending = '';
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        kept.push(...lines);
        if (kept.length >= keepLines) child.stdout.destroy();
      });
    }
    return new Promise<{
      code: number | null;
      signal: string | null;
      kept: string[];
      stderr: string;
    }>((resolve) =>
      child.on('close', (code, signal) =>
        resolve({ code, signal, kept: kept.slice(0, keepLines), stderr }),
      ),
    );
  }

  it('exits quietly with the command status when the reader is gone before the first line', async () => {
    for (const args of [['doctor'], ['version', 'list'], ['version', 'get', 'v1', '--json']]) {
      const result = await worldkitInto(args, 0);
      expect({ args, ...result }).toEqual({ args, code: 0, signal: null, kept: [], stderr: '' });
    }
  });

  it('exits quietly when the reader closes after the first line (`worldkit doctor | head -1`)', async () => {
    const result = await worldkitInto(['doctor'], 1);
    expect(result).toEqual({
      code: 0,
      signal: null,
      kept: [expect.stringMatching(/^┌/)],
      stderr: '',
    });
    // The World was closed properly: the next command finds no stale lock to take over.
    const after = await worldkit(['doctor']);
    expect(after).toMatchObject({ code: 0, stderr: '' });
  });
});
