import type { TableHandle } from '../connection/lazy-table.js';
import type { LogItem } from './entity-items.js';
import { awaitPosition } from './sequenced-events.js';
import { markerOf } from './state-guard.js';

/**
 * The run's external-update marker (`state-guard.ts`) as the log proves it, for a create that
 * the stored marker would refuse.
 *
 * A reserved external write (`log-positions.ts`) moves the marker when it takes its position,
 * so that a replay decided before it cannot commit after it. If its transaction then fails,
 * the position is closed as void and the stored marker points past the newest external event:
 * taken as it is, it would refuse every replay until the next external event — for a run whose
 * steps are all done, forever. So a refusal is only given after finding the newest external
 * event at or before the marker's position, and only if it lies after what the replay loaded
 * (its `stateUpdatedAt` is the id time of the last event it loaded: `idBase + position`). Open
 * positions in between are waited for (`awaitPosition`). The guarded write this decides is
 * conditional on the run's guard, so nothing can be reserved between these reads and its commit.
 */
export async function provenMarker(
  handle: TableHandle,
  runId: string,
  log: LogItem | undefined,
  stateUpdatedAt: number | undefined,
): Promise<number | undefined> {
  const marker = markerOf(log);
  if (marker === undefined || stateUpdatedAt === undefined || marker <= stateUpdatedAt) {
    return marker;
  }
  if (log?.lastSeq === undefined || log.externalSeq === undefined) return marker;
  const idBase = log.idBase ?? 0;
  const loadedSeq = Math.max(0, stateUpdatedAt - idBase);
  for (let seq = log.externalSeq; seq > loadedSeq; seq--) {
    const item = await awaitPosition(handle, runId, idBase, seq);
    if (item.entity === 'event' && item.external) return idBase + seq;
  }
  // No external event after what the replay loaded: its snapshot is current.
  return stateUpdatedAt;
}
