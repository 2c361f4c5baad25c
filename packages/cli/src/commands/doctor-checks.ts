import type { ComposedWorld, QueueInstance } from '@worldkit/core';
import { describeError } from '../cli-errors.js';
import { listAllVersions } from './version-commands.js';

export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface PartCheck {
  part: string;
  status: CheckStatus;
  detail: string;
}

export interface VersionsSummary {
  count: number;
  current: { id: string; label?: string } | null;
}

/** What a probe found; `skip` when the part offers no read-only call to make. */
type ProbeResult = { status: 'ok' | 'skip'; detail: string };

/**
 * One cheap read per part, so a wrong URL, a missing table or a missing permission shows up
 * here rather than in the middle of a run. Probes only read: nothing is consumed or written
 * (storage backends that migrate on first use may create their schema).
 */
export async function checkParts(
  world: ComposedWorld,
  timeoutMs: number,
): Promise<{ checks: PartCheck[]; versions: VersionsSummary | null }> {
  let versions: VersionsSummary | null = null;
  const probes: Array<[string, () => Promise<ProbeResult>]> = [
    [
      'storage',
      async () => {
        const page = await world.runs.list({ resolveData: 'none', pagination: { limit: 1 } });
        return { status: 'ok', detail: page.data.length > 0 ? 'runs readable' : 'no runs yet' };
      },
    ],
    [
      'versions',
      async () => {
        const all = await listAllVersions(world);
        const current = await world.worldkit.versions.getCurrent();
        versions = {
          count: all.length,
          current: current ? { id: current.id, label: current.label } : null,
        };
        const durable = world.worldkit.providers.versions.capabilities.durable;
        return {
          status: 'ok',
          detail:
            `${all.length} version${all.length === 1 ? '' : 's'}, current: ${current?.id ?? 'none'}` +
            (durable ? '' : ' (in memory: not durable)'),
        };
      },
    ],
    ['queue', () => probeQueue(world.worldkit.queue)],
    [
      'streamer',
      async () => {
        await world.getStreamInfo('worldkit-doctor-probe', 'wrun_worldkit_doctor_probe');
        return { status: 'ok', detail: 'streams readable' };
      },
    ],
    [
      'compute',
      async () => ({
        status: 'skip',
        detail: `${world.worldkit.providers.compute.name} compute: nothing to probe`,
      }),
    ],
  ];
  const checks = await Promise.all(
    probes.map(async ([part, probe]): Promise<PartCheck> => {
      try {
        return { part, ...(await withTimeout(probe(), timeoutMs)) };
      } catch (error) {
        return { part, status: 'fail', detail: describeError(error) };
      }
    }),
  );
  return { checks, versions };
}

async function probeQueue(queue: QueueInstance): Promise<ProbeResult> {
  if (queue.kind === 'transport' && queue.deadLetters) {
    const dead = await queue.deadLetters();
    return {
      status: 'ok',
      detail: `reachable, ${dead.length} dead-lettered message${dead.length === 1 ? '' : 's'}`,
    };
  }
  // Starting a queue may start consuming (an adapted World's start does); a doctor must not.
  return { status: 'skip', detail: 'no read-only call to probe this queue with' };
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
