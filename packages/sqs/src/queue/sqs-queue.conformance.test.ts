import { describeQueueConformance } from '@worldkit/testing';
import { fauxqsSettings, useFauxqs } from '../fauxqs.fixture.js';
import { sqsQueue } from '../providers.js';

const fauxqs = useFauxqs();
const CONCURRENCY = 4;

describeQueueConformance({
  name: 'sqs (fauxqs)',
  // One queue (and dead-letter queue) per provider; the restart tests reuse the provider.
  // Standard queues do not deduplicate across processes, so the provider declares
  // idempotencyKeys: false and that group is skipped (see README, "Idempotency keys").
  create: () =>
    sqsQueue(fauxqsSettings(fauxqs.server, { concurrency: CONCURRENCY, closeTimeoutMs: 5_000 })),
});
