import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'scripts', 'load-before-api.mjs');

describe('loadWorkflowCode before the host imports workflow/api', () => {
  it('still finds every step (fresh process, built packages)', () => {
    const result = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', timeout: 120_000 });
    expect(result.stdout + result.stderr).toContain('value 12'); // (1 + 2) * 2 * 2
    expect(result.status).toBe(0);
  });
});
