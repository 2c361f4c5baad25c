import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
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
