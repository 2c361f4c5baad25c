import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCli } from '../run-cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` promises. */
  json<T = Record<string, unknown>>(): T;
}

/** Runs the CLI in-process, capturing what it writes. */
export async function runWorldkit(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; stderrIsTTY?: boolean },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    cwd: options.cwd,
    env: options.env ?? {},
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.stderrIsTTY },
  });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

const require = createRequire(import.meta.url);

/**
 * The file URL of an installed package's entry (its built `dist`), so config files written to a
 * temp dir outside the workspace can import it as an app's config would.
 */
export function packageUrl(name: string): string {
  return pathToFileURL(require.resolve(name)).href;
}

export async function makeTempDir(
  prefix: string,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `worldkit-cli-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeConfig(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, body);
  return path;
}
