import { createWorld } from '@worldkit/core';
import { localStorage, localStreamer } from '@worldkit/local';
import { describeWorldConformance } from '@worldkit/testing';
import { memoryQueue } from '../src/index.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

// Real workflows (steps, sleep, hooks, webhooks, streams, retries, 50 runs at once) on a World
// whose queue is this package and whose storage and streamer come from @worldkit/local.
describeWorldConformance({
  name: 'memory-queue with @worldkit/local storage and streamer',
  create: () =>
    createWorld({
      storage: localStorage({ memory: true }),
      queue: memoryQueue(),
      streamer: localStreamer({ memory: true }),
      logger: quiet,
    }),
});
