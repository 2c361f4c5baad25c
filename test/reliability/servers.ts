import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RestartableServer,
  type RunningDynamoDbLocal,
  type RunningFauxqs,
  startDynamoDbLocal,
  startFauxqs,
  startPostgresServer,
  startRedisServer,
} from '@worldkit/test-servers';
import { afterAll, beforeAll } from 'vitest';
import { reliabilityBundles } from './workers.js';

/** The local servers a reliability or outage test runs its compositions on. */
export interface ReliabilityServers {
  pg: RestartableServer;
  redis: RestartableServer;
  fauxqs: RunningFauxqs;
  dynamodb: RunningDynamoDbLocal;
  /** The reliability fixtures, built (`reliabilityBundles`): not a server, but as slow to get. */
  bundlesDir: string;
}

const STARTERS: { [K in keyof ReliabilityServers]: () => Promise<ReliabilityServers[K]> } = {
  pg: startPostgresServer,
  redis: startRedisServer,
  fauxqs: startFauxqs,
  dynamodb: startDynamoDbLocal,
  bundlesDir: reliabilityBundles,
};

/**
 * Starts the named servers (in parallel) before the file's tests and stops them after. The
 * answer is filled in by `beforeAll`: read its members inside tests and later hooks only.
 * Hooks registered after this call run after the servers are up, and their `afterAll` before
 * the servers stop.
 */
export function useReliabilityServers<K extends keyof ReliabilityServers>(
  names: readonly K[],
  timeoutMs = 180_000,
): Pick<ReliabilityServers, K> {
  const servers: Partial<ReliabilityServers> = {};
  beforeAll(async () => {
    await Promise.all(
      names.map(async (name) => {
        // Kept as each one is up, so afterAll stops it even if another fails to start.
        (servers as Record<string, unknown>)[name] = await STARTERS[name]();
      }),
    );
  }, timeoutMs);
  afterAll(async () => {
    await Promise.all([
      servers.pg?.stop(),
      servers.redis?.stop(),
      servers.fauxqs?.stop(),
      servers.dynamodb?.stop(),
    ]);
  });
  return servers as Pick<ReliabilityServers, K>;
}

/** A scratch directory for the file (`prefix` starts its name), removed after its tests. */
export function useScratchDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}
