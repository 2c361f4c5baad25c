#!/usr/bin/env node
// Makes `npm run demo` / `npm test` work on a machine that has only Node.js and npm:
// pnpm is fetched through npx (it is also a root devDependency, so later runs use the local copy),
// and the workspace is installed only when node_modules is missing or older than the lockfile.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSystemPackages } from './ensure-system-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`worldkit needs Node.js >= 20.19 (found ${process.versions.node}).`);
  process.exit(1);
}

const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = packageJson.packageManager; // e.g. pnpm@10.34.8
const installMarker = join(root, 'node_modules', '.modules.yaml');
const lockfile = join(root, 'pnpm-lock.yaml');

const installed =
  existsSync(installMarker) &&
  (!existsSync(lockfile) || statSync(installMarker).mtimeMs >= statSync(lockfile).mtimeMs);

if (!installed) {
  const localPnpm = join(root, 'node_modules', '.bin', 'pnpm');
  const [command, args] = existsSync(localPnpm)
    ? [localPnpm, ['install']]
    : ['npx', ['--yes', pnpmSpec, 'install']];
  if (process.env.CI) args.push('--frozen-lockfile');
  console.log(`[bootstrap] installing workspace dependencies (${pnpmSpec})…`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error('[bootstrap] dependency install failed; see the output above.');
    process.exit(result.status ?? 1);
  }
}

// The test suites start their own redis-server / PostgreSQL / DynamoDB Local on free ports;
// the demo needs none of them.
if (process.argv.includes('--with-servers')) ensureSystemPackages();
