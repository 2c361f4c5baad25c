import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, packageUrl, runWorldkit, writeConfig } from './test-support/cli-harness.js';

let project: { dir: string; remove(): Promise<void> };
const worldkit = (...args: string[]) => runWorldkit(args, { cwd: project.dir });

const SECRET = 'bypass-s3cret-value';
const PASSWORD = 'pa55word';
const address = (host: string) =>
  `https://deployer:${PASSWORD}@${host}/base?x-vercel-protection-bypass=${SECRET}&x-vercel-set-bypass-cookie=true`;
const masked = (host: string) =>
  `https://***@${host}/base?x-vercel-protection-bypass=***&x-vercel-set-bypass-cookie=***`;

beforeAll(async () => {
  project = await makeTempDir('masking');
  await writeConfig(
    project.dir,
    'world.config.mjs',
    `import { local } from '${packageUrl('@worldkit/local')}';
export default { ...local({ dataDir: ${JSON.stringify(join(project.dir, 'data'))} }) };
`,
  );
});

afterAll(async () => {
  await project?.remove();
});

describe('secrets in version addresses', () => {
  it('are masked in tables and --json of every version command', async () => {
    const outputs = [
      await worldkit('version', 'create', '--id', 'v1', '--address', address('v1.example.com')),
      await worldkit(
        'version',
        'create',
        '--id',
        'v2',
        '--address',
        address('v2.example.com'),
        '--json',
      ),
      await worldkit('version', 'get', 'v1'),
      await worldkit('version', 'get', 'v1', '--json'),
      await worldkit('version', 'list'),
      await worldkit('version', 'list', '--json'),
      await worldkit('version', 'update', 'v2', '--address', address('v2b.example.com')),
      await worldkit('version', 'update', 'v2', '--label', 'x', '--json'),
      await worldkit('version', 'promote', 'v1'),
      await worldkit('version', 'promote', 'v2', '--json'),
    ];
    for (const output of outputs) {
      expect({ code: output.code, stderr: output.stderr }).toEqual({ code: 0, stderr: '' });
      expect(output.stdout + output.stderr).not.toContain(SECRET);
      expect(output.stdout + output.stderr).not.toContain(PASSWORD);
    }
    expect(outputs[0]!.stdout).toContain(masked('v1.example.com'));
    expect(outputs[1]!.json()).toMatchObject({ id: 'v2', address: masked('v2.example.com') });
    expect(outputs[3]!.json()).toMatchObject({ id: 'v1', address: masked('v1.example.com') });
    expect(outputs[4]!.stdout).toContain(masked('v1.example.com'));
    expect(
      outputs[5]!
        .json<{ versions: Array<{ address: string }> }>()
        .versions.map((version) => version.address),
    ).toEqual([masked('v1.example.com'), masked('v2.example.com')]);
    expect(outputs[6]!.stdout).toContain(masked('v2b.example.com'));
    expect(outputs[9]!.json()).toMatchObject({ address: masked('v2b.example.com') });
  });
});
