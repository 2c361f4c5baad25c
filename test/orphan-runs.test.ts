import { randomBytes } from 'node:crypto';
import { createWorld, loadWorkflowCode } from '@worldkit/core';
import { localStorage, localStreamer } from '@worldkit/local';
import { sqsQueue } from '@worldkit/sqs';
import { type RunningFauxqs, startFauxqs } from '@worldkit/test-servers';
import { buildWorkflowFixtures, recordingLogger } from '@worldkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from 'workflow/api';

// The runtime writes `run_created` and queues the run's first message in parallel. When SQS
// refuses that message (over 1 MiB even compressed), start() throws — and the stored run used
// to stay `pending` forever, its id never returned. The World now fails it with a clear error.
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

let fauxqs: RunningFauxqs;
beforeAll(async () => {
  fauxqs = await startFauxqs();
});
afterAll(async () => {
  await fauxqs?.stop();
});

describe('a run whose first queue message is refused', () => {
  it('is failed with the reason, never left pending', async () => {
    const logger = recordingLogger();
    const world = createWorld({
      storage: localStorage({ memory: true }),
      streamer: localStreamer({ memory: true }),
      queue: sqsQueue({
        queueName: 'orphans',
        setup: true,
        endpoint: fauxqs.endpoint,
        region: 'us-east-1',
        poll: true,
      }),
      deploymentId: 'orphans',
      logger,
    });
    try {
      const built = await buildWorkflowFixtures();
      const code = loadWorkflowCode({ world, directory: built.directory });
      await world.start();
      // Random bytes do not compress: 3 MB of them is over SQS's 1 MiB however it is sent.
      const huge = randomBytes(2_200_000).toString('base64');
      const refused = await start(code.workflow('sequentialWorkflow'), [huge, 1]).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((refused as Error)?.name).toBe('MessageTooLargeError');

      const { data } = await world.runs.list({ resolveData: 'none', pagination: {} });
      expect(data, 'the run_created write landed before the refusal').toHaveLength(1);
      const run = await world.runs.get(data[0]!.runId);
      expect(run.status).toBe('failed');
      expect(JSON.stringify(run.error)).toMatch(
        /the run's first queue message could not be enqueued: .*SQS allows/,
      );
      expect(
        logger.lines.some((line) => /first queue message was refused/.test(line.message)),
      ).toBe(true);
    } finally {
      await world.close();
    }
  }, 120_000);
});
