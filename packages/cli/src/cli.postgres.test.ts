import { join } from 'node:path';
import { createWorld } from '@worldkit/core';
import { loadWorldConfig } from '@worldkit/core/target-world';
import { findFreePort, startPostgresServer } from '@worldkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, packageUrl, runWorldkit, writeConfig } from './test-support/cli-harness.js';
import { seedRuns } from './test-support/seed-runs.js';

let server: Awaited<ReturnType<typeof startPostgresServer>>;
let project: { dir: string; remove(): Promise<void> };
let seeded: string[];

const postgresConfig = (connectionString: string) =>
  `import { defineWorld } from '${packageUrl('@worldkit/core')}';
import { postgres } from '${packageUrl('@worldkit/postgres')}';
export default defineWorld({ ...postgres({ connectionString: ${JSON.stringify(connectionString)} }) });
`;

const worldkit = (...args: string[]) => runWorldkit(args, { cwd: project.dir });

beforeAll(async () => {
  [server, project] = await Promise.all([startPostgresServer(), makeTempDir('postgres')]);
  await writeConfig(project.dir, 'world.config.mjs', postgresConfig(server.url));
});

afterAll(async () => {
  await server?.stop();
  await project?.remove();
});

describe('worldkit on @worldkit/postgres', () => {
  it('setup migrates the schema through the storage part', async () => {
    const setup = await worldkit('setup', '--json');
    expect(setup.code).toBe(0);
    const { parts } = setup.json<{ parts: Array<{ part: string; status: string }> }>();
    expect(parts.find((part) => part.part === 'storage')?.status).toBe('done');
    // Running it again is safe: setup is idempotent.
    expect((await worldkit('setup')).code).toBe(0);

    const world = createWorld(loadWorldConfig(join(project.dir, 'world.config.mjs')));
    try {
      seeded = await seedRuns(world, 'vers_old', 2);
    } finally {
      await world.close();
    }
  });

  it('creates, lists, promotes and deletes versions', async () => {
    const created = await worldkit('version', 'create', '--label', 'sha-1', '--json');
    expect(created.code).toBe(0);
    const first = created.json<{ id: string }>().id;
    expect(first).toMatch(/^vers_/);
    expect((await worldkit('version', 'create', '--id', 'vers_old', '--json')).code).toBe(0);

    expect((await worldkit('version', 'promote', first)).code).toBe(0);
    const listed = await worldkit('version', 'list', '--json');
    expect(listed.json()).toMatchObject({ current: first });
    expect(listed.json<{ versions: unknown[] }>().versions).toHaveLength(2);

    // vers_old still has the seeded runs: refused without --force, deleted with it.
    const refused = await worldkit('version', 'delete', 'vers_old');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'worldkit: version "vers_old" still has 2 active runs: see `worldkit drain vers_old`, move them with `worldkit upgrade --from vers_old --to <version> --strategy <strategy>`, or pass --force\n',
    );
    const forced = await worldkit('version', 'delete', 'vers_old', '--force', '--json');
    expect(forced.code).toBe(0);
    expect(forced.json()).toEqual({ deleted: 'vers_old' });

    const current = await worldkit('version', 'delete', first);
    expect(current.code).toBe(1);
    expect(current.stderr).toMatch(/^worldkit: .*current/);
  });

  it('lists the seeded runs', async () => {
    const listed = await worldkit('runs', 'list', '--version', 'vers_old', '--json');
    expect(listed.code).toBe(0);
    const runIds = listed.json<{ runs: Array<{ runId: string }> }>().runs.map((run) => run.runId);
    expect(runIds.sort()).toEqual([...seeded].sort());
    const table = await worldkit('runs', 'list');
    expect(table.stdout).toMatch(/│ run +│ workflow +│ status +│ version +│/);
    for (const runId of seeded) expect(table.stdout).toContain(runId);
  });

  it('doctor finds every part healthy', async () => {
    const doctor = await worldkit('doctor', '--json');
    expect(doctor.code).toBe(0);
    expect(doctor.stderr).toBe('');
    const report = doctor.json<{
      ok: boolean;
      checks: Array<{ part: string; status: string }>;
      providers: Array<{ slot: string; name: string; packageName: string }>;
      versions: { count: number };
    }>();
    expect(report.ok).toBe(true);
    expect(report.checks.filter((check) => check.status === 'fail')).toEqual([]);
    expect(report.checks.find((check) => check.part === 'queue')?.status).toBe('ok');
    expect(report.providers.map((provider) => provider.packageName)).toEqual([
      '@worldkit/postgres',
      '@worldkit/postgres',
      '@worldkit/postgres',
      '@worldkit/postgres',
      '@worldkit/core',
    ]);
    expect(report.versions.count).toBe(1);
  });

  it('doctor fails with one line and exit 1 when the database does not answer', async () => {
    const unreachable = await makeTempDir('postgres-down');
    try {
      const port = await findFreePort();
      await writeConfig(
        unreachable.dir,
        'world.config.mjs',
        postgresConfig(`postgres://postgres@127.0.0.1:${port}/postgres`),
      );
      const doctor = await runWorldkit(['doctor', '--json'], { cwd: unreachable.dir });
      expect(doctor.code).toBe(1);
      expect(doctor.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(doctor.stderr).toMatch(
        /^worldkit: doctor: storage, versions, queue, streamer failed: .*ECONNREFUSED/,
      );
      const report = doctor.json<{
        ok: boolean;
        checks: Array<{ part: string; status: string }>;
      }>();
      expect(report.ok).toBe(false);
      expect(report.checks.find((check) => check.part === 'storage')?.status).toBe('fail');

      const setup = await runWorldkit(['setup'], { cwd: unreachable.dir });
      expect(setup.code).toBe(1);
      expect(setup.stderr).toMatch(/^worldkit: setup failed for storage \(.*ECONNREFUSED.*\)\n$/);
    } finally {
      await unreachable.remove();
    }
  });
});
