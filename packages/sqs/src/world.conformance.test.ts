import { createWorld } from '@worldkit/core';
import { localStorage, localStreamer } from '@worldkit/local';
import { describeWorldConformance, silentLogger } from '@worldkit/testing';
import { fauxqsSettings, useFauxqs } from './fauxqs.fixture.js';
import { sqsQueue } from './providers.js';

// Registered before the suite's own beforeAll, which composes the World.
const fauxqs = useFauxqs();

describeWorldConformance({
  name: '@worldkit/sqs queue (local memory storage and streamer)',
  create: () =>
    createWorld({
      storage: localStorage({ memory: true }),
      queue: sqsQueue(fauxqsSettings(fauxqs.server, { closeTimeoutMs: 5_000 })),
      streamer: localStreamer({ memory: true }),
      logger: silentLogger,
    }),
});
