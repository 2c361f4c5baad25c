import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findFreePort,
  type RunningDynamoDbLocal,
  type RunningFauxqs,
  type RunningServer,
  startDynamoDbLocal,
  startFauxqs,
  startPostgresServer,
  startRedisServer,
} from '@worldkit/test-servers';
import { waitUntil } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppClient,
  type ApprovalKind,
  appClient,
  type CliResult,
  callWebhook,
  type RunView,
  waitForStatus,
  waitUntilPaused,
  worldkitCli,
} from './support/clients.js';
import { type LoggedProcess, spawnLogged } from './support/processes.js';
import { buildRelease, type ReleaseBuild, symlinksLeavingTree } from './support/release-build.js';

/**
 * The example as it is deployed: `next build` twice (v1 and v2 differ only in the release label
 * their steps return), each standalone output copied to its own folder outside the workspace and
 * started with `node server.js` on its own port with its own deployment id. The `worldkit` CLI
 * registers, promotes, upgrades, drains and deletes versions; a dispatcher delivers every queued
 * message over signed HTTP to the deployment of its run's version — the long-running worker on
 * PostgreSQL + SQS, the Lambda handler behind an SQS event-source loop on DynamoDB + SQS + Redis.
 * Both builds serve both backends (each server is configured by environment only).
 */

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = join(APP_DIR, '../..');
const CLI_BIN = join(REPO_ROOT, 'packages/cli/dist/bin.js');

/** How long the sleep runs sleep: long enough to still be asleep when they are upgraded. */
const SLEEP_MS = 60_000;
const RUN_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 300_000;

const V1 = 'vers_nextjs_v1';
const V2 = 'vers_nextjs_v2';

type Backend = {
  name: string;
  worldBackend: 'postgres' | 'dynamodb';
  dispatcher: 'worker' | 'lambda';
};
const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL + SQS, long-running dispatcher',
    worldBackend: 'postgres',
    dispatcher: 'worker',
  },
  {
    name: 'DynamoDB + SQS + Redis streams, Lambda dispatcher',
    worldBackend: 'dynamodb',
    dispatcher: 'lambda',
  },
];

type Strategy = 'cancel-and-restart' | 'cancel-and-resume' | 'cancel-and-partial-resume';
const STRATEGIES: Strategy[] = [
  'cancel-and-restart',
  'cancel-and-resume',
  'cancel-and-partial-resume',
];
const KINDS: ApprovalKind[] = ['webhook', 'hook', 'token', 'sleep'];

const timings: Array<{ what: string; ms: number }> = [];
async function timed<T>(what: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await action();
  } finally {
    const ms = Date.now() - started;
    timings.push({ what, ms });
    console.log(`[nextjs-aws] ${what}: ${(ms / 1000).toFixed(1)} s`);
  }
}

/** The process environment without anything that would configure a World by accident. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(WORLDKIT_|WORLD_BACKEND$|WORKFLOW_|VERCEL_|NODE_ENV$|VITEST|APP_RELEASE$)/.test(key)) {
      continue;
    }
    env[key] = value;
  }
  return { ...env, NEXT_TELEMETRY_DISABLED: '1' };
}

let deployRoot: string;
let builds: Record<'v1' | 'v2', ReleaseBuild>;
let postgres: RunningServer;
let dynamodb: RunningDynamoDbLocal;
let fauxqs: RunningFauxqs;
let redis: RunningServer;
const started = Date.now();

beforeAll(async () => {
  deployRoot = await mkdtemp(join(tmpdir(), 'worldkit-nextjs-aws-'));
  // Servers first, each assigned as soon as it runs (so afterAll stops whatever started): their
  // launchers wait a bounded time for the port, which a concurrent build could exhaust.
  await timed('start PostgreSQL, DynamoDB Local, fauxqs, redis-server', () =>
    Promise.all([
      startWithRetry('PostgreSQL', startPostgresServer).then((server) => {
        postgres = server;
      }),
      startWithRetry('DynamoDB Local', startDynamoDbLocal).then((server) => {
        dynamodb = server;
      }),
      startWithRetry('fauxqs', startFauxqs).then((server) => {
        fauxqs = server;
      }),
      startWithRetry('redis-server', startRedisServer).then((server) => {
        redis = server;
      }),
    ]),
  );
  const v1 = await timed('next build v1 + copy', () => buildRelease(APP_DIR, 'v1', deployRoot));
  const v2 = await timed('next build v2 + copy', () => buildRelease(APP_DIR, 'v2', deployRoot));
  builds = { v1, v2 };
}, 900_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), dynamodb?.stop(), fauxqs?.stop(), redis?.stop()]);
  if (deployRoot) await rm(deployRoot, { recursive: true, force: true });
  console.log(
    `[nextjs-aws] timings:\n${timings.map(({ what, ms }) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${what}`).join('\n')}\n  total ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}, 120_000);

describe('examples/nextjs-aws standalone builds', () => {
  it('are self-contained copies outside the workspace, with both providers traced', async () => {
    for (const build of Object.values(builds)) {
      expect(relative(REPO_ROOT, build.root).startsWith('..')).toBe(true);
      expect(await symlinksLeavingTree(build.root)).toEqual([]);
      expect(existsSync(join(build.serverDir, 'server.js'))).toBe(true);
      // world.config.ts picks its backend at run time, so both backends' providers are in the build.
      const server = await filesUnder(join(build.serverDir, '.next/server'));
      for (const provider of ['@worldkit/postgres', '@worldkit/dynamodb', '@worldkit/redis']) {
        expect(
          server.some((text) => text.includes(provider)),
          provider,
        ).toBe(true);
      }
    }
  });
});

describe.each(BACKENDS)('examples/nextjs-aws on $name', (backend) => {
  let env: NodeJS.ProcessEnv;
  let cli: (args: string[]) => Promise<CliResult>;
  const apps: Partial<Record<'v1' | 'v2', { app: AppClient; process: LoggedProcess }>> = {};
  let dispatcher: LoggedProcess;
  const v1 = () => apps.v1!.app;
  const v2 = () => apps.v2!.app;

  const logs = () =>
    [apps.v1?.process, apps.v2?.process, dispatcher]
      .filter((process): process is LoggedProcess => Boolean(process))
      .map((process) => `--- ${process.name} ---\n${process.output()}`)
      .join('\n');

  /** Runs the CLI and fails with its output (and every server's log) unless it exits `code`. */
  const worldkit = async (args: string[], code = 0): Promise<CliResult> => {
    const result = await cli(args);
    if (result.code !== code) {
      throw new Error(
        `worldkit ${args.join(' ')} exited ${result.code} (expected ${code})\n${result.stdout}\n${result.stderr}\n${logs()}`,
      );
    }
    return result;
  };

  beforeAll(async () => {
    const suffix = `${backend.worldBackend}-${process.pid}`;
    env = {
      ...baseEnv(),
      WORLD_BACKEND: backend.worldBackend,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      WORLDKIT_SQS_ENDPOINT: fauxqs.endpoint,
      WORLDKIT_SQS_QUEUE_NAME: `nextjs-aws-${suffix}`,
      WORLDKIT_DISPATCH_SECRET: randomBytes(32).toString('hex'),
      ...(backend.worldBackend === 'postgres'
        ? { WORLDKIT_POSTGRES_URL: postgres.url }
        : {
            WORLDKIT_DYNAMODB_TABLE: `nextjs-aws-${suffix}`,
            WORLDKIT_DYNAMODB_ENDPOINT: dynamodb.endpoint,
            WORLDKIT_REDIS_URL: redis.url,
          }),
    };
    cli = worldkitCli({ bin: CLI_BIN, cwd: APP_DIR, env });

    // What a release step does once, with a role allowed to create the table and the queue.
    await timed(`${backend.worldBackend}: worldkit setup`, async () => {
      const setup = await worldkitCli({
        bin: CLI_BIN,
        cwd: APP_DIR,
        env: { ...env, WORLDKIT_SQS_SETUP: 'true' },
      })(['setup']);
      if (setup.code !== 0)
        throw new Error(`worldkit setup failed:\n${setup.stdout}\n${setup.stderr}`);
    });
    await timed(`${backend.worldBackend}: start v1 and v2 (node server.js)`, async () => {
      await Promise.all(
        (['v1', 'v2'] as const).map(async (release) => {
          const port = await findFreePort();
          const build = builds[release];
          const server = spawnLogged(
            `${backend.worldBackend} app ${release}`,
            process.execPath,
            ['server.js'],
            {
              cwd: build.serverDir,
              env: {
                ...env,
                NODE_ENV: 'production',
                HOSTNAME: '127.0.0.1',
                PORT: String(port),
                WORLDKIT_DEPLOYMENT_ID: release === 'v1' ? V1 : V2,
              },
            },
          );
          const app = appClient(`http://127.0.0.1:${port}`);
          apps[release] = { app, process: server };
          await waitUntil(
            async () => {
              if (server.child.exitCode !== null) {
                throw new Error(`the ${release} server exited:\n${server.output()}`);
              }
              return app.health().catch(() => undefined);
            },
            {
              what: `the ${release} server to answer /api/health`,
              timeoutMs: 60_000,
              intervalMs: 100,
              retryErrors: true,
            },
          );
        }),
      );
    });
    await timed(`${backend.worldBackend}: start the ${backend.dispatcher} dispatcher`, async () => {
      dispatcher =
        backend.dispatcher === 'worker'
          ? spawnLogged('dispatcher worker', process.execPath, ['dispatcher/worker.mjs'], {
              cwd: APP_DIR,
              env,
            })
          : spawnLogged(
              'lambda event source',
              process.execPath,
              ['test/support/lambda-event-source.mjs'],
              { cwd: APP_DIR, env: { ...env, AWS_LAMBDA_FUNCTION_NAME: 'nextjs-aws-dispatcher' } },
            );
      await waitUntil(
        async () => {
          if (dispatcher.child.exitCode !== null) {
            throw new Error(`the dispatcher exited:\n${dispatcher.output()}`);
          }
          return /dispatcher: consuming|lambda event source: polling/.test(dispatcher.output());
        },
        {
          what: 'the dispatcher to start consuming',
          timeoutMs: 60_000,
          intervalMs: 100,
          retryErrors: true,
        },
      );
    });
  }, 300_000);

  afterAll(async () => {
    await Promise.all([apps.v1?.process.stop(), apps.v2?.process.stop(), dispatcher?.stop()]);
  }, 60_000);

  it('each deployment composed its World from world.config.ts in instrumentation.ts', async () => {
    const storage = backend.worldBackend === 'postgres' ? 'postgres' : 'dynamodb';
    const streamer = backend.worldBackend === 'postgres' ? 'postgres' : 'redis';
    expect(await v1().health()).toEqual({
      deploymentId: V1,
      release: 'v1',
      storage,
      queue: 'sqs',
      streamer,
      compute: 'http',
    });
    expect(await v2().health()).toMatchObject({ deploymentId: V2, release: 'v2' });
  });

  let pausedOnV1: RunView;
  it(
    'worldkit version create registers each build, v1 is promoted, and a run pauses on its webhook',
    async () => {
      await timed(`${backend.worldBackend}: version create v1, v2 + promote v1`, async () => {
        for (const release of ['v1', 'v2'] as const) {
          await worldkit([
            'version',
            'create',
            '--id',
            release === 'v1' ? V1 : V2,
            '--label',
            release,
            '--address',
            apps[release]!.app.baseUrl,
            '--manifest',
            builds[release].manifest,
          ]);
        }
        await worldkit(['version', 'promote', V1]);
      });
      pausedOnV1 = await timed(
        `${backend.worldBackend}: start a webhook run on v1, paused`,
        async () => {
          const runId = await v1().startRun({ workflow: 'webhook', label: 'first' });
          return waitUntilPaused(v1(), runId, 'webhook', RUN_TIMEOUT_MS);
        },
      );
      expect(pausedOnV1.deploymentId).toBe(V1);
      expect(pausedOnV1.hooks).toHaveLength(1);
      expect(pausedOnV1.hooks[0]!.url).toMatch(
        new RegExp(`^${apps.v1!.app.baseUrl}/\\.well-known/workflow/v1/webhook/`),
      );
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "after worldkit version promote v2, a deploymentId: 'latest' run started on v1 lands and finishes on v2",
    async () => {
      await timed(`${backend.worldBackend}: promote v2`, () =>
        worldkit(['version', 'promote', V2]),
      );
      const finished = await timed(`${backend.worldBackend}: 'latest' run on v2`, async () => {
        const runId = await v1().startRun({
          workflow: 'webhook',
          label: 'latest',
          deploymentId: 'latest',
        });
        const paused = await waitUntilPaused(v2(), runId, 'webhook', RUN_TIMEOUT_MS);
        expect(paused.deploymentId).toBe(V2);
        expect(await callWebhook(paused.hooks[0]!.url!, { via: 'v2 webhook' })).toBeLessThan(300);
        return waitForStatus(v2(), runId, RUN_TIMEOUT_MS);
      });
      expect(finished).toMatchObject({
        status: 'completed',
        deploymentId: V2,
        result: {
          label: 'latest',
          preparedBy: 'v2',
          finishedBy: 'v2',
          received: { via: 'v2 webhook' },
        },
      });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "v1's webhook still finishes its run on v1's code",
    async () => {
      const finished = await timed(
        `${backend.worldBackend}: v1 webhook finishes on v1`,
        async () => {
          const status = await callWebhook(pausedOnV1.hooks[0]!.url!, { via: 'v1 webhook' });
          expect(status).toBeLessThan(300);
          return waitForStatus(v1(), pausedOnV1.runId, RUN_TIMEOUT_MS);
        },
      );
      expect(finished).toMatchObject({
        status: 'completed',
        deploymentId: V1,
        result: {
          label: 'first',
          preparedBy: 'v1',
          finishedBy: 'v1',
          received: { via: 'v1 webhook' },
        },
      });
    },
    STEP_TIMEOUT_MS,
  );

  interface Case {
    strategy: Strategy;
    kind: ApprovalKind;
    label: string;
    old: RunView;
    until?: string;
    newRunId?: string;
    /** The first strategy was refused; this one moved the run. */
    appliedStrategy?: Strategy;
  }
  const cases: Case[] = [];

  it(
    'v1 runs pause on a webhook, a generated hook token, an explicit hook token and a sleep; worldkit version delete v1 is refused',
    async () => {
      await timed(
        `${backend.worldBackend}: start 12 runs on v1 and wait until paused`,
        async () => {
          const until = new Date(Date.now() + SLEEP_MS).toISOString();
          const started = await Promise.all(
            STRATEGIES.flatMap((strategy) =>
              KINDS.map(async (kind) => {
                const label = `${backend.worldBackend}-${strategy.replace('cancel-and-', '')}-${kind}`;
                const runId = await v1().startRun({ workflow: kind, label, until });
                return {
                  strategy,
                  kind,
                  label,
                  runId,
                  until: kind === 'sleep' ? until : undefined,
                };
              }),
            ),
          );
          for (const run of started) {
            const old = await waitUntilPaused(v1(), run.runId, run.kind, RUN_TIMEOUT_MS);
            expect(old.deploymentId).toBe(V1);
            cases.push({
              strategy: run.strategy,
              kind: run.kind,
              label: run.label,
              old,
              until: run.until,
            });
          }
        },
      );
      const refused = await timed(`${backend.worldBackend}: version delete v1 (refused)`, () =>
        worldkit(['version', 'delete', V1], 1),
      );
      expect(refused.stderr).toMatch(/still has \d+ active runs?/);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'worldkit upgrade moves them to v2 with each strategy; cancel-and-restart refuses generated tokens, which then move with cancel-and-resume',
    async () => {
      await timed(`${backend.worldBackend}: 12 upgrades (+2 after refusals)`, async () => {
        // Sleeping runs first: they must still be asleep when they move.
        const ordered = [...cases].sort(
          (a, b) => Number(b.kind === 'sleep') - Number(a.kind === 'sleep'),
        );
        await inBatches(ordered, 3, async (entry) => {
          if (entry.until && Date.now() >= Date.parse(entry.until)) {
            throw new Error(
              `${entry.label} woke up before its upgrade: this machine is slower than SLEEP_MS allows for`,
            );
          }
          const args = ['upgrade', entry.old.runId, '--to', V2, '--strategy', entry.strategy];
          if (entry.strategy === 'cancel-and-partial-resume') {
            // Cut right after the wait was recorded: it is kept, the first step runs again on v2.
            const waitEvent = entry.old.events!.find(
              (event) =>
                event.eventType === (entry.kind === 'sleep' ? 'wait_created' : 'hook_created'),
            );
            args.push('--cut-after', waitEvent!.eventId);
          }
          const generatedToken = entry.kind === 'webhook' || entry.kind === 'hook';
          if (entry.strategy === 'cancel-and-restart' && generatedToken) {
            const refused = await worldkit([...args, '--json'], 1);
            expect(refused.json).toMatchObject({ status: 'refused' });
            expect(refused.stderr).toMatch(/generated/i);
            const stillOnV1 = await v1().run(entry.old.runId);
            expect(stillOnV1).toMatchObject({ status: 'running', deploymentId: V1 });
            const resumed = await worldkit([
              'upgrade',
              entry.old.runId,
              '--to',
              V2,
              '--strategy',
              'cancel-and-resume',
              '--json',
            ]);
            expect(resumed.json).toMatchObject({ status: 'upgraded' });
            entry.newRunId = (resumed.json as { newRunId: string }).newRunId;
            entry.appliedStrategy = 'cancel-and-resume';
            return;
          }
          const upgraded = await worldkit([...args, '--json']);
          expect(upgraded.json).toMatchObject({ status: 'upgraded', toVersion: V2 });
          entry.newRunId = (upgraded.json as { newRunId: string }).newRunId;
          entry.appliedStrategy = entry.strategy;
        });
      });
      for (const entry of cases) {
        expect((await v1().run(entry.old.runId)).status).toBe('cancelled');
      }
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "the old webhook URLs and hook tokens, through v1's deployment, resume the new runs, which finish with v2's result",
    async () => {
      await timed(
        `${backend.worldBackend}: resume through old URLs/tokens, all 12 finish`,
        async () => {
          await Promise.all(
            cases.map(async (entry) => {
              // A sleeping run needs nothing from outside: on a slow machine its sleep may already have
              // ended while the others were upgraded, so only its result (woken at the old `until`) is checked.
              if (entry.kind !== 'sleep') {
                const newRun = await waitUntilPaused(
                  v2(),
                  entry.newRunId!,
                  entry.kind,
                  RUN_TIMEOUT_MS,
                );
                expect(newRun.deploymentId).toBe(V2);
              }
              const payload = { approvedBy: entry.label };
              if (entry.kind === 'webhook') {
                // The URL handed out by v1 before the upgrade: v1's host, the old generated token.
                expect(await callWebhook(entry.old.hooks[0]!.url!, payload)).toBeLessThan(300);
              } else if (entry.kind === 'hook' || entry.kind === 'token') {
                const oldToken = entry.old.hooks[0]!.token;
                if (entry.kind === 'token') expect(oldToken).toBe(`approval:${entry.label}`);
                const resumed = await v1().resumeHook(oldToken, payload);
                expect(resumed).toMatchObject({ status: 200, body: { runId: entry.newRunId } });
              }
              const finished = await waitForStatus(
                v2(),
                entry.newRunId!,
                RUN_TIMEOUT_MS + SLEEP_MS,
              );
              // A resume keeps the finished first step (it ran on v1); restart and a cut before it run it on v2.
              const preparedBy = entry.appliedStrategy === 'cancel-and-resume' ? 'v1' : 'v2';
              expect(finished, `${entry.strategy} / ${entry.kind}`).toMatchObject({
                status: 'completed',
                deploymentId: V2,
                result: {
                  label: entry.label,
                  preparedBy,
                  finishedBy: 'v2',
                  received: entry.kind === 'sleep' ? { wokeAt: entry.until } : payload,
                },
              });
            }),
          );
        },
      );
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'worldkit drain v1 reports no active runs, and worldkit version delete v1 succeeds',
    async () => {
      await timed(`${backend.worldBackend}: drain + delete v1`, async () => {
        const drain = await worldkit(['drain', V1, '--json']);
        expect(drain.json).toMatchObject({ versionId: V1, activeRuns: 0 });
        await worldkit(['version', 'delete', V1]);
        const list = await worldkit(['version', 'list', '--json']);
        expect(list.json).toMatchObject({ current: V2, versions: [{ id: V2 }] });
      });
    },
    STEP_TIMEOUT_MS,
  );
});

/** The text of every `.js` file under `dir`. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
      .map((entry) => readFile(join(entry.parentPath, entry.name), 'utf8')),
  );
}

/** Starts a server, and once more if the first start timed out (a machine busy with other suites). */
async function startWithRetry<T>(what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    console.log(`[nextjs-aws] ${what} did not start (${(error as Error).message}); trying again`);
    return start();
  }
}

async function inBatches<T>(items: T[], size: number, action: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) await action(item);
    }),
  );
}
