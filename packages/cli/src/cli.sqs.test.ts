import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type RunningFauxqs, startFauxqs } from '@worldkit/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTempDir, packageUrl, runWorldkit, writeConfig } from './test-support/cli-harness.js';

// @worldkit/sqs is not a dependency of the CLI (the CLI works with any provider): the config
// imports its build from the workspace, as an app's config would import the installed package.
const sqsPackage = pathToFileURL(
  fileURLToPath(new URL('../../sqs/dist/index.js', import.meta.url)),
).href;

/** The part of @worldkit/sqs this test uses. */
interface SqsPackage {
  createSqsQueue(settings: Record<string, unknown>): {
    setup(): Promise<{ queueUrl: string }>;
    close(): Promise<void>;
  };
}

let fauxqs: RunningFauxqs;
let project: { dir: string; remove(): Promise<void> };

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  [fauxqs, project] = await Promise.all([startFauxqs(), makeTempDir('sqs')]);
  await writeConfig(
    project.dir,
    'world.config.mjs',
    `import { local } from '${packageUrl('@worldkit/local')}';
import { sqsQueue } from '${sqsPackage}';
export default { ...local({ dataDir: ${JSON.stringify(join(project.dir, 'data'))} }), queue: sqsQueue() };
`,
  );
});

afterAll(async () => {
  await fauxqs?.stop();
  await project?.remove();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('worldkit setup on @worldkit/sqs', () => {
  it('creates the queue named by WORLDKIT_SQS_QUEUE_URL and its dead-letter queue', async () => {
    // The URL fauxqs gives a queue called "workflows" (before it exists), from another queue's.
    const { createSqsQueue } = (await import(sqsPackage)) as SqsPackage;
    const probe = createSqsQueue({
      queueName: 'probe',
      setup: true,
      endpoint: fauxqs.endpoint,
      region: fauxqs.region,
    });
    try {
      const queueUrl = (await probe.setup()).queueUrl.replace(/probe$/, 'workflows');
      vi.stubEnv('WORLDKIT_SQS_QUEUE_URL', queueUrl);
      vi.stubEnv('WORLDKIT_SQS_ENDPOINT', fauxqs.endpoint);
      vi.stubEnv('AWS_REGION', fauxqs.region);

      for (const setupFlag of ['true', '']) {
        vi.stubEnv('WORLDKIT_SQS_SETUP', setupFlag);
        const setup = await runWorldkit(['setup', '--json'], { cwd: project.dir });
        expect({ code: setup.code, stderr: setup.stderr }).toEqual({ code: 0, stderr: '' });
        const queue = setup
          .json<{ parts: Array<{ part: string; status: string; result?: unknown }> }>()
          .parts.find((part) => part.part === 'queue');
        expect(queue).toMatchObject({
          status: 'done',
          result: { queueUrl, deadLetterQueueUrl: expect.stringMatching(/\/workflows-dlq$/) },
        });
      }
    } finally {
      await probe.close();
    }
  });
});
