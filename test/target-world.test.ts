import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWorkflowFixtures } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TEST_DIRECTORY = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = join(TEST_DIRECTORY, '..');

/**
 * Runs in a child process exactly as an app would: the bundles are required with no
 * `setWorld()`, so each bundle's copy of the runtime creates its World from
 * WORKFLOW_TARGET_WORLD, which loads the world.config file from the working directory.
 */
const RUN_WORKFLOW_SCRIPT = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const routes = join(process.env.WORKFLOW_BUNDLES, '.well-known', 'workflow', 'v1');
require(join(routes, 'flow.js'));
require(join(routes, 'step.js'));
const manifest = JSON.parse(readFileSync(join(routes, 'manifest.json'), 'utf8'));

const { getWorld } = await import('workflow/runtime');
const { start } = await import('workflow/api');
const world = getWorld();
await world.start?.();
const { workflowId } = manifest.workflows['workflows/basics.ts'].sequentialWorkflow;
const run = await start({ workflowId }, [2, 3]);
const value = await run.returnValue;
const stored = await world.runs.get(run.runId);
const events = await world.events.list({ runId: run.runId, pagination: { limit: 100 } });
console.log('RESULT ' + JSON.stringify({
  value,
  composedDeploymentId: world.worldkit?.deploymentId ?? null,
  runDeploymentId: stored.deploymentId,
  eventTypes: events.data.map((event) => event.eventType),
}));
await world.close?.();
`;

const CONFIGS = {
  'world.config.mjs': `
import { defineWorld } from '@worldkit/core';
import { local } from '@worldkit/local';

export default defineWorld({ ...local({ memory: true }), deploymentId: 'mjs-config' });
`,
  'world.config.ts': `
import { defineWorld, type WorldConfig } from '@worldkit/core';
import { local } from '@worldkit/local';

const config: WorldConfig = defineWorld({ ...local({ memory: true }), deploymentId: 'ts-config' });
export default config;
`,
} as const;

interface ChildResult {
  value: unknown;
  composedDeploymentId: string | null;
  runDeploymentId: string;
  eventTypes: string[];
}

function runChild(cwd: string, bundles: string): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WORKFLOW_TARGET_WORLD: '@worldkit/core/target-world',
    WORKFLOW_BUNDLES: bundles,
  };
  // The child must not inherit vitest's loader hooks: it runs the built packages as an app would.
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['run-workflow.mjs'], { cwd, env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = output.split('\n').find((text) => text.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('RESULT '.length)));
      else reject(new Error(`child exited with ${code}:\n${output}`));
    });
  });
}

describe('WORKFLOW_TARGET_WORLD=@worldkit/core/target-world', () => {
  let bundles: string;
  const appDirectories: string[] = [];

  beforeAll(async () => {
    for (const pkg of ['core', 'local']) {
      const entry = join(REPO_ROOT, 'packages', pkg, 'dist', 'index.js');
      if (!existsSync(entry)) {
        throw new Error(`${entry} is missing: build the packages first (pnpm build).`);
      }
    }
    bundles = (await buildWorkflowFixtures()).directory;
  });

  afterAll(() => {
    for (const directory of appDirectories) rmSync(directory, { recursive: true, force: true });
  });

  for (const [file, source] of Object.entries(CONFIGS)) {
    it(`runs a workflow on the World composed from ${file}`, async () => {
      const app = mkdtempSync(join(tmpdir(), 'worldkit-target-'));
      appDirectories.push(app);
      // The runtime resolves WORKFLOW_TARGET_WORLD from the working directory, as in an app.
      symlinkSync(join(TEST_DIRECTORY, 'node_modules'), join(app, 'node_modules'), 'dir');
      writeFileSync(join(app, file), source);
      writeFileSync(join(app, 'run-workflow.mjs'), RUN_WORKFLOW_SCRIPT);

      const result = await runChild(app, bundles);
      const deploymentId = file.endsWith('.ts') ? 'ts-config' : 'mjs-config';
      expect(result.value).toBe(20);
      expect(result.composedDeploymentId).toBe(deploymentId);
      expect(result.runDeploymentId).toBe(deploymentId);
      expect(result.eventTypes[0]).toBe('run_created');
      expect(result.eventTypes.at(-1)).toBe('run_completed');
      expect(result.eventTypes.filter((type) => type === 'step_completed')).toHaveLength(3);
    });
  }
});
