import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { exponentialBackoff } from '@worldkit/provider';
import type { TableHandle } from '../connection/lazy-table.js';
import { classifyWriteError, StaleWrite } from './commit-write.js';
import { SCHEMA_VERSION, type VoidItem } from './entity-items.js';
import { sequencedEventId } from './event-ids.js';
import { eventKey, logKey } from './keys.js';

/**
 * Log positions of a sequenced run (`sequenced-events.ts`): taken by a reserved write with one
 * `UpdateItem` (an increment, conditional only on the run not having ended), closed as void when
 * its transaction fails.
 */

/** Positions `firstSeq .. firstSeq + count - 1`, and the run's id base. */
export interface Reservation {
  firstSeq: number;
  idBase: number;
}

/**
 * The run cannot take a reserved write now: it has ended, or predates sequenced ids, or an
 * external event moved its marker past what the writer loaded. The writer reads and decides
 * again (and writes under the guard, or is refused).
 */
export class ReservationRefused extends StaleWrite {}

/**
 * Takes `count` positions at the end of the run's log. `externalAt` (1-based, within them) is
 * where the newest external event goes: the run's marker moves there in the same request, so a
 * replay's create decided before it cannot commit after it (`state-guard.ts`). `markerAtMost`
 * (a position) refuses the reservation when an external event took a position after it — what
 * a replay's `stateUpdatedAt` loaded — so such a create is decided again and refused (412).
 */
export async function reservePositions(
  handle: TableHandle,
  runId: string,
  count: number,
  externalAt: number | undefined,
  markerAtMost?: number,
): Promise<Reservation> {
  try {
    const result = await handle.documents.send(
      new UpdateCommand({
        TableName: handle.table,
        Key: logKey(runId),
        UpdateExpression:
          externalAt === undefined
            ? 'SET lastSeq = lastSeq + :count ADD eventCount :count'
            : 'SET lastSeq = lastSeq + :count, externalSeq = lastSeq + :external ADD eventCount :count',
        ConditionExpression:
          markerAtMost === undefined
            ? 'attribute_exists(lastSeq) AND attribute_not_exists(endedAt)'
            : 'attribute_exists(lastSeq) AND attribute_not_exists(endedAt) AND (attribute_not_exists(externalSeq) OR externalSeq <= :loaded)',
        ExpressionAttributeValues: {
          ':count': count,
          ...(externalAt === undefined ? {} : { ':external': externalAt }),
          ...(markerAtMost === undefined ? {} : { ':loaded': markerAtMost }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const log = result.Attributes as { lastSeq: number; idBase: number };
    return { firstSeq: log.lastSeq - count + 1, idBase: log.idBase };
  } catch (error) {
    if ((error as Error)?.name === 'ConditionalCheckFailedException') {
      throw new ReservationRefused('the run cannot take reserved writes now');
    }
    throw classifyWriteError(error);
  }
}

/** Attempts at closing one position before leaving it to readers (they close it in time). */
const CLOSE_ATTEMPTS = 3;

/**
 * Marks positions whose write did not commit as void, so readers need not wait for them. A
 * position already filled (by a reader that closed it first) is left as it is.
 */
export async function closePositions(
  handle: TableHandle,
  runId: string,
  idBase: number,
  seqs: number[],
): Promise<void> {
  await Promise.all(seqs.map((seq) => closePosition(handle, runId, idBase, seq)));
}

/** Puts the void item of one position unless the position is filled; true if this put it. */
export async function closePosition(
  handle: TableHandle,
  runId: string,
  idBase: number,
  seq: number,
): Promise<boolean> {
  const eventId = sequencedEventId(runId, idBase, seq);
  const item: VoidItem = {
    ...eventKey(runId, eventId),
    entity: 'void',
    schemaVersion: SCHEMA_VERSION,
    runId,
    eventId,
    seq,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await handle.documents.send(
        new PutCommand({
          TableName: handle.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error)?.name === 'ConditionalCheckFailedException') return false;
      if (attempt >= CLOSE_ATTEMPTS) return false;
      await new Promise((resolve) =>
        setTimeout(resolve, exponentialBackoff(attempt, { base: 20, max: 200 })),
      );
    }
  }
}
