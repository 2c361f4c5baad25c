import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWorkflows } from './build-workflows.js';

// A test run killed mid-build leaves `<cache>/<hash>.lock` behind. The next run must take it
// over at once when its owner is dead, not wait out the 5-minute age limit behind a vague
// hook timeout.
describe('buildWorkflows', () => {
  const root = mkdtempSync(join(tmpdir(), 'worldkit-build-lock-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const source = join(root, 'source');
  mkdirSync(join(source, 'workflows'), { recursive: true });
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: 'lock-fixture' }));
  writeFileSync(
    join(source, 'workflows', 'tiny.ts'),
    "export async function tinyWorkflow() {\n  'use workflow';\n  return 1;\n}\n",
  );
  const cacheDirectory = join(root, 'cache');

  it('takes over a lock whose owner process is dead, without waiting for it to age', async () => {
    const first = await buildWorkflows({ sourceDirectory: source, cacheDirectory });
    expect(first.built).toBe(true);
    // Leave what a killed build leaves: no build, a lock naming a process that has exited.
    rmSync(first.directory, { recursive: true, force: true });
    const exited = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    const lock = `${first.directory}.lock`;
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: exited.pid, host: hostname() }));

    // Without the owner check this waits for the lock to age 5 minutes: past the test's timeout.
    const second = await buildWorkflows({ sourceDirectory: source, cacheDirectory });
    expect(second.built).toBe(true);
    expect(second.directory).toBe(first.directory);
    expect(existsSync(lock)).toBe(false);
  }, 240_000);
});
