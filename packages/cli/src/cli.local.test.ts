import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createWorld, type RecoveryReport } from '@worldkit/core';
import { loadWorldConfig } from '@worldkit/core/target-world';
import { waitFor } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliRun,
  makeTempDir,
  packageUrl,
  runWorldkit,
  writeConfig,
} from './test-support/cli-harness.js';
import { orderManifest, seedHookWaitingRun, seedRuns } from './test-support/seed-runs.js';

// A project directory as a user has it: world.config.mjs on local storage with a data dir.
let project: { dir: string; remove(): Promise<void> };
let configPath: string;
let v1Runs: string[];
let v0Runs: string[];
let hookRun: string;
let neverStartedRun: string | undefined;

const worldkit = (...args: string[]) => runWorldkit(args, { cwd: project.dir });

function expectOneErrorLine(run: CliRun, code: number, pattern: RegExp) {
  expect(run.code).toBe(code);
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^worldkit: /);
  expect(run.stderr).toMatch(pattern);
}

beforeAll(async () => {
  project = await makeTempDir('local');
  configPath = await writeConfig(
    project.dir,
    'world.config.mjs',
    `import { defineWorld } from '${packageUrl('@worldkit/core')}';
import { local } from '${packageUrl('@worldkit/local')}';
export default defineWorld({ ...local({ dataDir: ${JSON.stringify(join(project.dir, 'data'))} }) });
`,
  );
  await writeFile(join(project.dir, 'v1.manifest.json'), JSON.stringify(orderManifest(true)));
  await writeFile(join(project.dir, 'v3.manifest.json'), JSON.stringify(orderManifest(false)));
  // The app's runs, written through the same config the CLI reads (the CLI is not running yet).
  const world = createWorld(loadWorldConfig(configPath));
  v1Runs = await seedRuns(world, 'v1', 3);
  v0Runs = await seedRuns(world, 'v0', 1);
  hookRun = await seedHookWaitingRun(world, 'v0', 'order-42-approval');
  [neverStartedRun] = await seedRuns(world, 'v7', 1);
  await world.close();
});

afterAll(async () => {
  await project?.remove();
});

describe('worldkit on local storage', () => {
  it('creates, lists, promotes and updates versions', async () => {
    const created = await worldkit(
      'version',
      'create',
      '--id',
      'v1',
      '--label',
      'abc123',
      '--manifest',
      'v1.manifest.json',
      '--json',
    );
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ id: 'v1', label: 'abc123', status: 'active' });
    expect(created.json<{ manifest: unknown }>().manifest).toEqual(orderManifest(true));

    expect(
      (await worldkit('version', 'create', '--id', 'v2', '--manifest', 'v1.manifest.json')).code,
    ).toBe(0);
    expect(
      (await worldkit('version', 'create', '--id', 'v3', '--manifest', 'v3.manifest.json')).code,
    ).toBe(0);

    const promoted = await worldkit('version', 'promote', 'v1');
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toContain('promoted v1');

    const listed = await worldkit('version', 'list', '--json');
    expect(listed.code).toBe(0);
    const list = listed.json<{
      current: string;
      versions: Array<{ id: string; current: boolean }>;
    }>();
    expect(list.current).toBe('v1');
    expect(list.versions.map((version) => [version.id, version.current])).toEqual([
      ['v1', true],
      ['v2', false],
      ['v3', false],
    ]);

    const table = await worldkit('version', 'list');
    expect(table.stdout).toMatch(/│ \* +│ v1 +│ abc123 +│ active/);
    expect(table.stdout).toContain('1 workflows, 1 steps');
    expect(table.stderr).toBe('');

    const ramped = await worldkit('version', 'update', 'v2', '--ramp', '25', '--json');
    expect(ramped.json()).toMatchObject({ id: 'v2', rampPercent: 25, current: false });
    const unramped = await worldkit('version', 'update', 'v2', '--no-ramp', '--json');
    expect(unramped.json()).not.toHaveProperty('rampPercent');

    const got = await worldkit('version', 'get', 'v1', '--json');
    expect(got.json()).toMatchObject({ id: 'v1', current: true });
  });

  it('reports bad version input and unknown versions on one line', async () => {
    expectOneErrorLine(
      await worldkit('version', 'create', '--address', 'not a url'),
      2,
      /--address: Invalid URL/,
    );
    expectOneErrorLine(
      await worldkit('version', 'update', 'v2', '--ramp', '101'),
      2,
      /'--ramp <percent>' argument '101' is invalid/,
    );
    expectOneErrorLine(await worldkit('version', 'update', 'v2'), 2, /nothing to update/);
    expectOneErrorLine(
      await worldkit('version', 'get', 'nope'),
      1,
      /version "nope" does not exist/,
    );
    expectOneErrorLine(
      await worldkit('version', 'create', '--id', 'v1'),
      1,
      /version "v1" already exists/,
    );
    expectOneErrorLine(await worldkit('version', 'lsit'), 2, /unknown command 'lsit'/);
  });

  it('lists runs by version with a limit, and shows one run', async () => {
    const listed = await worldkit('runs', 'list', '--version', 'v1', '--json');
    expect(listed.code).toBe(0);
    const { runs, more } = listed.json<{ runs: Array<{ runId: string }>; more: boolean }>();
    expect(runs.map((run) => run.runId).sort()).toEqual([...v1Runs].sort());
    expect(more).toBe(false);

    const limited = await worldkit('runs', 'list', '--limit', '2', '--status', 'pending', '--json');
    expect(limited.json<{ runs: unknown[] }>().runs).toHaveLength(2);
    expect(limited.json<{ more: boolean }>().more).toBe(true);

    const table = await worldkit('runs', 'list', '--version', 'v0');
    expect(table.stdout).toContain(v0Runs[0]);
    expect(table.stdout).not.toContain(v1Runs[0]);

    const shown = await worldkit('runs', 'get', v1Runs[0], '--json');
    expect(shown.code).toBe(0);
    const details = shown.json<{
      run: { runId: string; status: string; deploymentId: string };
      events: Array<{ eventType: string }>;
      steps: unknown[];
    }>();
    expect(details.run).toMatchObject({ runId: v1Runs[0], status: 'pending', deploymentId: 'v1' });
    expect(details.events.map((event) => event.eventType)).toEqual(['run_created']);
    expect(details.steps).toEqual([]);

    expectOneErrorLine(await worldkit('runs', 'get', 'wrun_missing'), 1, /wrun_missing/);
    expectOneErrorLine(
      await worldkit('runs', 'list', '--status', 'sleeping'),
      2,
      /Allowed choices are pending, running/,
    );
  });

  it('checks compatibility and reports a drain', async () => {
    const compatible = await worldkit('check', v1Runs[0], '--to', 'v2', '--json');
    expect(compatible.code).toBe(0);
    expect(compatible.json()).toMatchObject({ compatible: true, problems: [] });
    // The replay did not run (the seeded run has not started): the table says so and why, and
    // the verdict is not a plain "yes".
    expect(compatible.json()).toMatchObject({ replay: 'not-checked' });
    const compatibleTable = await worldkit('check', v1Runs[0], '--to', 'v2');
    expect(compatibleTable.code).toBe(0);
    expect(compatibleTable.stdout).toMatch(/│ compatible +│ yes \(replay not checked\) +│/);
    expect(compatibleTable.stdout).toMatch(
      /│ replay +│ not checked: the run has not started, so it has no replay seed +│/,
    );

    // What an upgrade would do to the tokens the run handed out.
    const tokens = await worldkit('check', hookRun, '--to', 'v2', '--json');
    expect(tokens.json()).toMatchObject({ hookTokens: { explicit: 1, generated: 0 } });
    const tokensTable = await worldkit('check', hookRun, '--to', 'v2');
    expect(tokensTable.stdout).toMatch(/│ hook tokens +│ 1 explicit \(kept by every strategy\) +│/);

    const incompatible = await worldkit('check', v1Runs[0], '--to', 'v3', '--json');
    expect(incompatible.code).toBe(1);
    expect(incompatible.json()).toMatchObject({
      compatible: false,
      problems: [{ kind: 'missing-workflow' }],
    });
    expect(incompatible.stderr).toBe(
      `worldkit: run ${v1Runs[0]} is not compatible with version v3 (1 problem)\n`,
    );
    const incompatibleTable = await worldkit('check', v1Runs[0], '--to', 'v3');
    expect(incompatibleTable.stdout).toMatch(/│ compatible +│ no +│/);
    expect(incompatibleTable.stdout).toMatch(
      /│ replay +│ not run: the checks above found problems first +│/,
    );

    expectOneErrorLine(
      await worldkit('check', v1Runs[0], '--to', 'v9'),
      1,
      /^worldkit: version "v9" does not exist/,
    );

    const drain = await worldkit('drain', 'v1', '--json');
    expect(drain.code).toBe(0);
    expect(drain.json()).toMatchObject({
      versionId: 'v1',
      activeRuns: 3,
      byReason: { queued: 3, running: 0, sleeping: 0, waitingOnHook: 0 },
    });
    const table = await worldkit('drain', 'v1');
    expect(table.stdout).toMatch(/│ active runs +│ 3 +│/);
  });

  it('refuses to delete a version with active runs, upgrades them, then deletes it', async () => {
    expect((await worldkit('version', 'promote', 'v2')).code).toBe(0);
    expectOneErrorLine(
      await worldkit('version', 'delete', 'v1'),
      1,
      /version "v1" still has 3 active runs/,
    );

    const dryRun = await worldkit(
      'upgrade',
      v1Runs[0],
      '--to',
      'v2',
      '--strategy',
      'cancel-and-restart',
      '--dry-run',
      '--json',
    );
    expect(dryRun.code).toBe(0);
    expect(dryRun.json()).toMatchObject({ runId: v1Runs[0], status: 'dry-run' });

    const refused = await worldkit(
      'upgrade',
      v1Runs[0],
      '--to',
      'v3',
      '--strategy',
      'cancel-and-restart',
      '--json',
    );
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ status: 'refused' });
    expect(refused.stderr).toMatch(/^worldkit: upgrade refused: version "v3" has no workflow/);

    const one = await worldkit(
      'upgrade',
      v1Runs[0],
      '--to',
      'v2',
      '--strategy',
      'cancel-and-restart',
      '--json',
    );
    expect(one.code).toBe(0);
    const result = one.json<{ status: string; newRunId: string }>();
    expect(result.status).toBe('upgraded');
    const old = await worldkit('runs', 'get', v1Runs[0], '--json');
    expect(old.json<{ run: { status: string } }>().run.status).toBe('cancelled');
    const replacement = await worldkit('runs', 'get', result.newRunId, '--json');
    expect(replacement.json()).toMatchObject({
      run: { deploymentId: 'v2', status: 'pending' },
      upgrades: [{ runId: v1Runs[0], newRunId: result.newRunId, status: 'completed' }],
    });

    // Bulk, with the progress bar drawn on a terminal's stderr.
    const bulk = await runWorldkit(
      ['upgrade', '--from', 'v1', '--to', 'v2', '--strategy', 'cancel-and-restart'],
      { cwd: project.dir, stderrIsTTY: true },
    );
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toMatch(/│ 2 +│ 2 +│ 0 +│ 0 +│ 0 +│ 0 +│/);
    expect(bulk.stderr).toContain('upgrading [');
    expect(bulk.stderr).toContain('2/2');

    const again = await worldkit(
      'upgrade',
      '--from',
      'v1',
      '--to',
      'v2',
      '--strategy',
      'cancel-and-restart',
      '--json',
    );
    // Nothing is active on v1 any more: the bulk upgrade finds no runs.
    expect(again.json()).toMatchObject({ total: 0, upgraded: 0 });
    expect(again.stderr).toBe('');

    const log = await worldkit('upgrades', '--version', 'v1', '--json');
    expect(log.json<{ upgrades: unknown[] }>().upgrades).toHaveLength(3);

    expect((await worldkit('drain', 'v1', '--json')).json()).toMatchObject({ activeRuns: 0 });
    const deleted = await worldkit('version', 'delete', 'v1');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('deleted version v1\n');
    const after = await worldkit('version', 'list', '--json');
    expect(
      after.json<{ versions: Array<{ id: string }> }>().versions.map((version) => version.id),
    ).toEqual(['v2', 'v3']);
  });

  it("hands the upgraded runs to the target version's code when the app starts", async () => {
    const log = await worldkit('upgrades', '--version', 'v1', '--json');
    const newRunIds = log
      .json<{ upgrades: Array<{ newRunId: string }> }>()
      .upgrades.map((upgrade) => upgrade.newRunId);
    // The app, running v2's code: the CLI only queued the new runs, it never consumed them.
    const app = createWorld({ ...loadWorldConfig(configPath), deploymentId: 'v2' });
    const delivered: string[] = [];
    app.createQueueHandler('__wkf_workflow_', async (message) => {
      delivered.push((message as { runId: string }).runId);
    });
    try {
      await app.start();
      for (let waited = 0; delivered.length < newRunIds.length && waited < 5_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await app.close();
    }
    expect(delivered.sort()).toEqual([...newRunIds].sort());
  });

  it('rejects upgrade arguments that do not fit together', async () => {
    expectOneErrorLine(
      await worldkit('upgrade', '--to', 'v2', '--strategy', 'cancel-and-restart'),
      2,
      /pass a runId, or --from/,
    );
    expectOneErrorLine(
      await worldkit(
        'upgrade',
        'wrun_x',
        '--from',
        'v1',
        '--to',
        'v2',
        '--strategy',
        'cancel-and-restart',
      ),
      2,
      /not both/,
    );
    expectOneErrorLine(
      await worldkit('upgrade', 'wrun_x', '--to', 'v9', '--strategy', 'cancel-and-restart'),
      1,
      /^worldkit: version "v9" does not exist/,
    );
    expectOneErrorLine(
      await worldkit('upgrade', 'wrun_x', '--to', 'v2', '--strategy', 'sideways'),
      2,
      /Allowed choices are cancel-and-restart/,
    );
  });

  it('setup reports each part, and doctor finds every part healthy', async () => {
    const setup = await worldkit('setup', '--json');
    expect(setup.code).toBe(0);
    const parts = setup.json<{ ok: boolean; parts: Array<{ part: string; status: string }> }>();
    expect(parts.ok).toBe(true);
    expect(parts.parts.map((part) => part.part)).toEqual([
      'storage',
      'versions',
      'streamer',
      'queue',
    ]);

    const doctor = await worldkit('doctor', '--json');
    expect(doctor.code).toBe(0);
    const report = doctor.json<{
      ok: boolean;
      config: string;
      checks: Array<{ part: string; status: string }>;
      providers: Array<{ slot: string; packageName: string; specificationVersion: string }>;
      versions: { count: number; current: { id: string } };
    }>();
    expect(report.ok).toBe(true);
    expect(report.config).toBe(configPath);
    expect(Object.fromEntries(report.checks.map((check) => [check.part, check.status]))).toEqual({
      config: 'ok',
      storage: 'ok',
      versions: 'ok',
      queue: 'ok',
      streamer: 'ok',
      compute: 'skip',
    });
    expect(report.providers.find((provider) => provider.slot === 'storage')).toMatchObject({
      packageName: '@worldkit/local',
      specificationVersion: 'v1',
    });
    expect(report.versions).toMatchObject({ count: 2, current: { id: 'v2' } });

    const human = await worldkit('doctor');
    expect(human.stdout).toMatch(/│ storage +│ OK +│/);
    expect(human.stdout).toContain('versions: 2, current: v2');
  });
  it('finds runs nothing will wake with runs recover (dry run: nothing queued)', async () => {
    // A run created and never started (its first message lost): with a 1 s threshold it counts
    // as stuck once it is a second old.
    const report = await waitFor('the never-started run to count as stuck', 30_000, async () => {
      const result = await worldkit('runs', 'recover', '--dry-run', '--stale-after', '1', '--json');
      expect(result.code).toBe(0);
      const parsed = result.json<RecoveryReport>();
      return parsed.stalled.some((run) => run.runId === neverStartedRun) ? parsed : undefined;
    });
    expect(report).toMatchObject({ dryRun: true, requeued: 0 });
    expect(report.stalled.find((run) => run.runId === neverStartedRun)).toMatchObject({
      reason: 'never-started',
      deploymentId: 'v7',
    });
    const table = await worldkit('runs', 'recover', '--dry-run', '--stale-after', '1');
    expect(table.stdout).toMatch(/│ never-started +│/);
    expect(table.stdout).toMatch(/\d+ of \d+ active run\(s\) stuck; dry run, nothing queued/);
  });
});

describe('worldkit config errors', () => {
  it('exits 2 with one line when no config file is found', async () => {
    const empty = await makeTempDir('empty');
    try {
      const run = await runWorldkit(['version', 'list'], { cwd: empty.dir });
      expectOneErrorLine(
        run,
        2,
        /Invalid world config: config file: expected one of world\.config\.ts/,
      );
      expect(run.stdout).toBe('');
    } finally {
      await empty.remove();
    }
  });

  it('folds a provider settings error into one line, also in doctor', async () => {
    const broken = await makeTempDir('broken');
    try {
      await writeConfig(
        broken.dir,
        'world.config.mjs',
        `import { local } from '${packageUrl('@worldkit/local')}';
export default { ...local({ memory: true, dataDir: 'x' }) };
`,
      );
      const run = await runWorldkit(['runs', 'list'], { cwd: broken.dir });
      expectOneErrorLine(
        run,
        2,
        /Invalid @worldkit\/local options: dataDir: expected no dataDir when memory is true/,
      );

      const doctor = await runWorldkit(['doctor', '--json'], { cwd: broken.dir });
      expect(doctor.code).toBe(2);
      expect(doctor.json()).toMatchObject({
        ok: false,
        checks: [{ part: 'config', status: 'fail' }],
      });
      expect(doctor.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await broken.remove();
    }
  });

  it('reports a config that does not evaluate, found through WORLDKIT_CONFIG', async () => {
    const broken = await makeTempDir('syntax');
    try {
      await writeConfig(broken.dir, 'custom.config.mjs', 'export default {{;\n');
      const run = await runWorldkit(['version', 'list'], {
        cwd: broken.dir,
        env: { WORLDKIT_CONFIG: 'custom.config.mjs' },
      });
      expectOneErrorLine(run, 2, /cannot load config .*custom\.config\.mjs/);
    } finally {
      await broken.remove();
    }
  });

  it('reports a composition error (a slot left empty) on one line', async () => {
    const broken = await makeTempDir('slots');
    try {
      await writeConfig(
        broken.dir,
        'world.config.mjs',
        `import { localStorage } from '${packageUrl('@worldkit/local')}';
export default { storage: localStorage({ memory: true }) };
`,
      );
      const run = await runWorldkit(['--config', 'world.config.mjs', 'doctor'], {
        cwd: broken.dir,
      });
      expectOneErrorLine(run, 2, /^worldkit: doctor: config: Invalid world config: .*queue/);
      expect(run.stdout).toMatch(/│ config +│ FAIL +│/);
      expect(run.stdout).toMatch(/ {2}- queue: /);
    } finally {
      await broken.remove();
    }
  });
});
