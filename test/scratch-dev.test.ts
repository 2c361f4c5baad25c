import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalWorld } from '@workflow/world-local';
import {
  createWorld,
  fromWorld,
  type QueueProvider,
  type QueueReceiver,
  SPECIFICATION_VERSION,
} from '@worldkit/core';
import { describeWorldConformance } from '../packages/testing/src/world/index.js';

// DEV ONLY: stand-in transport until @worldkit/local's queue lands.
function devQueue(): QueueProvider {
  return {
    slot: 'queue',
    specificationVersion: SPECIFICATION_VERSION,
    name: 'dev',
    packageName: 'dev',
    capabilities: { maxDelaySeconds: null, idempotencyKeys: false, durable: false },
    create: () => {
      let receiver: QueueReceiver | undefined;
      const timers = new Set<NodeJS.Timeout>();
      const schedule = (raw: unknown, delaySeconds: number) => {
        const timer = setTimeout(async () => {
          timers.delete(timer);
          const outcome = await receiver!(raw);
          if (outcome.type === 'redeliver') schedule(outcome.envelope, outcome.delaySeconds);
        }, delaySeconds * 1000);
        timers.add(timer);
      };
      return {
        kind: 'transport',
        send: async (envelope, { delaySeconds }) => {
          schedule(envelope, delaySeconds);
          return { accepted: true };
        },
        consume: async (r) => {
          receiver = r;
        },
        close: async () => {
          for (const t of timers) clearTimeout(t);
        },
      };
    },
  } as QueueProvider;
}

describeWorldConformance({
  name: 'dev: world-local storage+streamer, dev queue',
  createWorld: () => {
    const source = fromWorld({
      name: 'world-local',
      packageName: '@workflow/world-local',
      world: () => createLocalWorld({ dataDir: mkdtempSync(join(tmpdir(), 'wk-ad-')) }),
    });
    return createWorld({
      storage: source.storage(),
      streamer: source.streamer(),
      queue: devQueue(),
    });
  },
});
