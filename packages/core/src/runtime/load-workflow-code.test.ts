import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { World } from '@workflow/world';
import { afterEach, describe, expect, it } from 'vitest';
import { installedWorld } from './install-world.js';
import { loadWorkflowCode } from './load-workflow-code.js';

// Stand-in bundles that do what `wf build` output does at load time: look the World up in the
// runtime's process-wide slot and register queue handlers with it.
const FLOW_BUNDLE = `
const world = globalThis[Symbol.for('@workflow/world//stubbedCache')];
exports.POST = world.createQueueHandler('__wkf_workflow_', async () => {});
`;
const STEP_BUNDLE = `
const world = globalThis[Symbol.for('@workflow/world//stubbedCache')];
exports.POST = world.createQueueHandler('__wkf_step_', async () => {});
`;
const WEBHOOK_MODULE = `
export async function POST(request) {
  const token = new URL(request.url).pathname.split('/').at(-1);
  return new Response('webhook:' + token, { status: 202 });
}
`;
const MANIFEST = {
  version: '1.0.0',
  steps: {},
  workflows: {
    'workflows/orders.ts': {
      orderWorkflow: { workflowId: 'workflow//./workflows/orders//orderWorkflow' },
    },
    'workflows/a.ts': { shared: { workflowId: 'workflow//./workflows/a//shared' } },
    'workflows/b.ts': { shared: { workflowId: 'workflow//./workflows/b//shared' } },
  },
};

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

function fakeBuild(): string {
  const directory = mkdtempSync(join(tmpdir(), 'wk-load-'));
  directories.push(directory);
  const routes = join(directory, '.well-known', 'workflow', 'v1');
  mkdirSync(routes, { recursive: true });
  // The bundles are CommonJS; the webhook route is an ES module, as `wf build` writes them.
  writeFileSync(join(directory, 'package.json'), '{}');
  writeFileSync(join(routes, 'flow.js'), FLOW_BUNDLE);
  writeFileSync(join(routes, 'step.js'), STEP_BUNDLE);
  writeFileSync(join(routes, 'webhook.js'), WEBHOOK_MODULE);
  writeFileSync(join(routes, 'manifest.json'), JSON.stringify(MANIFEST));
  return directory;
}

/** A World that records which registration scope each handler was created in. */
function recordingWorld(deploymentId?: string) {
  const registrations: Array<{ prefix: string; scope: unknown }> = [];
  const world = {
    createQueueHandler(prefix: string) {
      registrations.push({
        prefix,
        scope: (globalThis as Record<symbol, unknown>)[
          Symbol.for('@worldkit/core//registration-scope')
        ],
      });
      return async (request: Request) => new Response(`${prefix} ${request.method}`);
    },
    ...(deploymentId ? { worldkit: { deploymentId } } : {}),
  } as unknown as World;
  return { world, registrations };
}

describe('loadWorkflowCode', () => {
  it('installs the World, then loads both bundles inside the deployment scope', () => {
    const { world, registrations } = recordingWorld('vers_a');
    const code = loadWorkflowCode({ world, directory: fakeBuild() });
    expect(code.deploymentId).toBe('vers_a');
    expect(installedWorld()).toBe(world);
    expect(registrations).toEqual([
      { prefix: '__wkf_workflow_', scope: 'vers_a' },
      { prefix: '__wkf_step_', scope: 'vers_a' },
    ]);
  });

  it('evaluates the bundles again on every load, so one build can serve several Worlds', () => {
    const directory = fakeBuild();
    const first = recordingWorld('one');
    const second = recordingWorld();
    loadWorkflowCode({ world: first.world, directory });
    loadWorkflowCode({ world: second.world, directory, deploymentId: 'two' });
    expect(first.registrations.map((entry) => entry.scope)).toEqual(['one', 'one']);
    expect(second.registrations.map((entry) => entry.scope)).toEqual(['two', 'two']);
  });

  it('requires a deploymentId for a World Worldkit did not compose', () => {
    const { world } = recordingWorld();
    expect(() => loadWorkflowCode({ world, directory: fakeBuild() })).toThrow(
      /needs `deploymentId`/,
    );
  });

  it('names the missing files when the directory was not built', () => {
    const { world } = recordingWorld('v');
    const directory = mkdtempSync(join(tmpdir(), 'wk-empty-'));
    directories.push(directory);
    expect(() => loadWorkflowCode({ world, directory })).toThrow(
      /missing .*flow\.js.*Run `wf build`/,
    );
  });

  it('finds workflows by name, by workflowId and by file#name', () => {
    const code = loadWorkflowCode({ world: recordingWorld('v').world, directory: fakeBuild() });
    const expected = {
      workflowId: 'workflow//./workflows/orders//orderWorkflow',
      workflowName: 'orderWorkflow',
      file: 'workflows/orders.ts',
    };
    expect(code.workflow('orderWorkflow')).toEqual(expected);
    expect(code.workflow('workflow//./workflows/orders//orderWorkflow')).toEqual(expected);
    expect(code.workflow('workflows/b.ts#shared').workflowId).toBe(
      'workflow//./workflows/b//shared',
    );
  });

  it('lists the known workflows for an unknown name, and the candidates for an ambiguous one', () => {
    const code = loadWorkflowCode({ world: recordingWorld('v').world, directory: fakeBuild() });
    expect(() => code.workflow('nope')).toThrow(
      'No workflow named "nope" in this build. Known workflows: orderWorkflow, shared, shared.',
    );
    expect(() => code.workflow('shared')).toThrow(
      /workflows\/a\.ts#shared, workflows\/b\.ts#shared/,
    );
  });

  it('routes flow, step and webhook requests to the loaded handlers', async () => {
    const code = loadWorkflowCode({ world: recordingWorld('v').world, directory: fakeBuild() });
    const base = 'http://127.0.0.1/base/.well-known/workflow/v1';
    const flow = await code.handleRequest(new Request(`${base}/flow`, { method: 'POST' }));
    expect(await flow.text()).toBe('__wkf_workflow_ POST');
    const step = await code.handleRequest(new Request(`${base}/step`, { method: 'POST' }));
    expect(await step.text()).toBe('__wkf_step_ POST');
    const webhook = await code.handleWebhook(
      new Request(`${base}/webhook/tok_1`, { method: 'POST' }),
    );
    expect(webhook.status).toBe(202);
    expect(await webhook.text()).toBe('webhook:tok_1');
    const routed = await code.handleRequest(
      new Request(`${base}/webhook/tok_2`, { method: 'POST' }),
    );
    expect(await routed.text()).toBe('webhook:tok_2');
    expect((await code.handleRequest(new Request(`${base}/other`))).status).toBe(404);
    const wrongMethod = await code.handleRequest(new Request(`${base}/flow`, { method: 'DELETE' }));
    expect(wrongMethod.status).toBe(405);
  });
});

describe('loadWorkflowCode with a bundle built inside an ES module package', () => {
  it('says the bundles are CommonJS', () => {
    const directory = fakeBuild();
    writeFileSync(join(directory, 'package.json'), '{"type":"module"}');
    const { world } = recordingWorld('v');
    expect(() => loadWorkflowCode({ world, directory })).toThrow(
      /are CommonJS, but .*package\.json declares "type": "module"/,
    );
  });
});
