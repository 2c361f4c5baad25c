import { SQSClient } from '@aws-sdk/client-sqs';
import { type RunningFauxqs, startFauxqs } from '@worldkit/test-servers';
import { afterAll, beforeAll } from 'vitest';
import type { SqsQueueSettings } from './settings.js';

// fauxqs accepts any credentials; set them so the SDK never probes instance metadata.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

/** Starts fauxqs once for the test file and stops it (by PID) afterwards. */
export function useFauxqs(): { readonly server: RunningFauxqs } {
  const holder = {} as { server: RunningFauxqs };
  beforeAll(async () => {
    holder.server = await startFauxqs();
  });
  afterAll(async () => {
    await holder.server?.stop();
  });
  return holder;
}

let queues = 0;

/** A fresh queue name, unique within this process and across test files. */
export function uniqueQueueName(label = 'q'): string {
  return `${label}-${process.pid}-${++queues}`;
}

/** Settings for a fresh queue (created with its dead-letter queue on first use). */
export function fauxqsSettings(
  server: RunningFauxqs,
  overrides: SqsQueueSettings = {},
): SqsQueueSettings {
  return {
    queueName: uniqueQueueName(),
    setup: true,
    endpoint: server.endpoint,
    region: server.region,
    poll: true,
    ...overrides,
  };
}

/** A plain SQS client on fauxqs, for looking at queues as another program would. */
export function fauxqsClient(server: RunningFauxqs): SQSClient {
  return new SQSClient({ endpoint: server.endpoint, region: server.region });
}

/** A client on fauxqs that counts its requests by command name (`requests`). */
export function countingFauxqsClient(server: RunningFauxqs) {
  const client = fauxqsClient(server);
  const requests = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = String(context.commandName);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, requests };
}
