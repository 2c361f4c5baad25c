import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startPostgresServer } from '@worldkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrationLabel } from './migrate.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../../', import.meta.url));
// The published build; `npm test` builds every package before vitest runs.
const dist = join(packageDir, 'dist');

let server: Awaited<ReturnType<typeof startPostgresServer>>;

beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('embedded migrations', () => {
  it('match migrations/*.sql (run `pnpm --filter @worldkit/postgres embed-migrations` after changing one)', async () => {
    const check = await run(
      process.execPath,
      [join(packageDir, 'scripts/embed-migrations.mjs'), '--check'],
      { cwd: packageDir },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(check).toEqual({ code: 0, stderr: '' });

    const files = (await readdir(join(packageDir, 'migrations'))).filter((file) =>
      file.endsWith('.sql'),
    );
    const embedded = loadMigrations();
    expect(embedded.map((migration) => `${migrationLabel(migration)}.sql`)).toEqual(files.sort());
    for (const migration of embedded) {
      const file = join(packageDir, 'migrations', `${migrationLabel(migration)}.sql`);
      expect(migration.sql).toBe(await readFile(file, 'utf8'));
    }
  });

  it('keep every released migration byte for byte, so migrated databases stay recognised', () => {
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    // A released migration never changes: fix a mistake with a new migration instead.
    const released = [
      ['0001_initial', '1ab0c8bea55fd0a1968c69192c02984c73ad7853f1de629d67a1f1f4ef81028a'],
      ['0002_upgrades', '655408f9c081de235044c227717f197de633e1b0225b468ebeec0bfc8206f725'],
      ['0003_state_guard', '6b0198d69a6ecdfefda3b3d48d91d0e7902d412e6d274c621ff8513a20962bc3'],
    ];
    const embedded = loadMigrations().map((migration) => [
      migrationLabel(migration),
      sha256(migration.sql),
    ]);
    expect(embedded.slice(0, released.length)).toEqual(released);
  });
});

describe('the built package', () => {
  it('migrates a database from dist/ alone: no migrations/ folder, no file read at runtime', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'worldkit-postgres-dist-'));
    try {
      // What a bundler or Next.js file tracing keeps of the package: its code and dependencies.
      await cp(dist, join(copy, 'dist'), { recursive: true });
      await cp(join(packageDir, 'package.json'), join(copy, 'package.json'));
      await symlink(join(packageDir, 'node_modules'), join(copy, 'node_modules'), 'dir');

      const script = `
        import pg from 'pg';
        import { migrate } from './dist/index.js';
        const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
        try {
          const first = await migrate(pool, 'from_dist');
          const second = await migrate(pool, 'from_dist');
          const { rows } = await pool.query('SELECT version, name FROM from_dist.schema_migrations ORDER BY version');
          console.log(JSON.stringify({ first, second, rows }));
        } finally {
          await pool.end();
        }
      `;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: copy,
        env: { ...process.env, DATABASE_URL: server.url },
      });
      const shipped = loadMigrations();
      const versions = shipped.map((migration) => migration.version);
      expect(JSON.parse(stdout)).toEqual({
        first: { applied: versions, current: versions.at(-1) },
        second: { applied: [], current: versions.at(-1) },
        rows: shipped.map(({ version, name }) => ({ version, name })),
      });

      // Nothing in the build looks for files next to itself.
      const built = await readdir(join(copy, 'dist'), { recursive: true });
      for (const file of built.filter((name) => name.endsWith('.js'))) {
        const code = await readFile(join(copy, 'dist', file), 'utf8');
        expect({ file, readsFiles: /import\.meta\.url|node:fs|from 'fs'/.test(code) }).toEqual({
          file,
          readsFiles: false,
        });
      }
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
