// Installs the Debian packages the test suites start as local servers (redis-server, PostgreSQL,
// a Java runtime for DynamoDB Local) when they are missing. Needs root and apt-get; elsewhere it
// prints what to install and lets the suites that need them fail with a clear message.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const hasCommand = (command) =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const hasPostgres = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((major) =>
    existsSync(`/usr/lib/postgresql/${major}/bin/initdb`),
  );

const wanted = [
  { name: 'redis-server', present: () => hasCommand('redis-server'), packages: ['redis-server'] },
  { name: 'PostgreSQL', present: hasPostgres, packages: ['postgresql'] },
  {
    name: 'Java (DynamoDB Local)',
    present: () => hasCommand('java'),
    packages: ['default-jre-headless'],
  },
];

export function ensureSystemPackages() {
  const missing = wanted.filter((item) => !item.present());
  if (missing.length === 0) return;
  const packages = missing.flatMap((item) => item.packages);
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !hasCommand('apt-get')) {
    console.warn(
      `[bootstrap] missing ${missing.map((item) => item.name).join(', ')}; install with: sudo apt-get install -y ${packages.join(' ')}`,
    );
    return;
  }
  console.log(`[bootstrap] installing ${packages.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (!run(['install', '-y', '--no-install-recommends', ...packages])) {
    // A fresh image may have no package lists yet.
    if (!(run(['update']) && run(['install', '-y', '--no-install-recommends', ...packages]))) {
      console.warn(
        `[bootstrap] apt-get could not install ${packages.join(' ')}; suites that need them will fail.`,
      );
    }
  }
}
