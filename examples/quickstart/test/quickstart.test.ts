import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const EXAMPLE_DIRECTORY = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUILT = join(EXAMPLE_DIRECTORY, '.well-known', 'workflow', 'v1', 'manifest.json');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node main.mjs` as a user would (through the packages' built `dist`). */
function runQuickstart(env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['main.mjs'], {
      cwd: EXAMPLE_DIRECTORY,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples/quickstart (node main.mjs)', () => {
  let result: Finished;

  beforeAll(async () => {
    if (!existsSync(BUILT)) {
      throw new Error(
        'examples/quickstart is not built: run `npm run build` (or `wf build` in it).',
      );
    }
    result = await runQuickstart();
  }, 60_000);

  it('exits 0 and prints the final totals line', () => {
    expect(result.stderr).not.toMatch(/quickstart failed/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^OK: 4 runs completed in [\d.]+ (ms|s); 11 steps \(1 retried\), 1 sleep, 1 hook resumed, 4 stream chunks\./m,
    );
  });

  it('shows which provider fills each slot', () => {
    for (const slot of ['storage', 'queue', 'streamer', 'versions', 'compute']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${slot}\\s+\\S+\\s+from @worldkit/`, 'm'));
    }
  });

  it('prints every run as completed, with its steps read from storage', () => {
    for (const workflow of ['placeOrder', 'remindLater', 'awaitApproval', 'importContacts']) {
      expect(result.stdout).toMatch(new RegExp(`^${workflow}  wrun_\\w+  COMPLETED in `, 'm'));
    }
    // chargeCard fails once on purpose, so the World must have recorded a second attempt.
    expect(result.stdout).toMatch(
      /^ {2}chargeCard\s+2\s+completed\s+[\d.]+ (ms|s)\s+attempt 1 failed: payment gateway timed out/m,
    );
    expect(result.stdout).toMatch(/^ {2}reserveStock\s+1\s+completed/m);
    expect(result.stdout).toContain('"total":32');
  });

  it('shows the durable sleep, the hook resume and the streamed chunks', () => {
    const sleep = /durable timer fired after ([\d.]+) s/.exec(result.stdout);
    expect(sleep).not.toBeNull();
    expect(Number(sleep![1])).toBeGreaterThanOrEqual(1.9);
    expect(result.stdout).toMatch(
      /hook {6}approval:req-\w+ waited .+ until main called resumeHook/,
    );
    expect(result.stdout).toContain('approved by dana@example.com');
    expect(result.stdout).toContain(
      'main read 4 chunks from run.readable: batch 1/3 (33%) | batch 2/3 (67%) | batch 3/3 (100%) | done (100%)',
    );
  });
});

describe('examples/quickstart failure reporting', () => {
  it('exits non-zero with one clear line when the World config is broken', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'quickstart-missing-config-'));
    try {
      const failed = await runQuickstart({ WORLDKIT_CONFIG: join(directory, 'world.config.ts') });
      expect(failed.code).toBe(1);
      const lines = failed.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^quickstart failed: .*config file/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
