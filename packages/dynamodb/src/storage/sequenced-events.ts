import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { exponentialBackoff } from '@worldkit/provider';
import type { TableHandle } from '../connection/lazy-table.js';
import type { EventItem, VoidItem } from './entity-items.js';
import { idBaseOf, sequencedEventId, sequenceOf } from './event-ids.js';
import { EVENT_PREFIX, eventKey, runPartition } from './keys.js';
import { closePosition } from './log-positions.js';
import { encodeCursor, type PageRequest, queryPage } from './pagination.js';

/**
 * The event log of a sequenced run, read in order.
 *
 * Every event of a run created since event ids were sequenced has a position (`seq`: 1, 2, ...)
 * and an id made from it (`event-ids.ts`). A write under the run's guard takes the positions
 * after the last one it read, in its own transaction. A *reserved* write (step events of a run
 * written from several processes, `create-event.ts`) takes them first, with one `UpdateItem` of
 * the guard item, and commits its events there afterwards, without a condition on the guard —
 * so concurrent writers of one run no longer cancel each other. Every position ends up holding
 * an event or a void item: a writer whose transaction fails closes its positions, and a reader
 * closes one it has waited on for `POSITION_WAIT_MS` (a writer that crashed in between): the
 * closing put and the event put are both conditional on the item being absent, so exactly one
 * of them wins, and a late writer's transaction fails and is retried at new positions.
 *
 * Positions can fill out of order, so a reader never passes an open one: it waits for it. The
 * log it returns is therefore always a prefix of the final log — nothing is ever inserted
 * before an event a reader has seen (the property replays depend on).
 */

/** How long a reader waits on an open position before closing it (a writer's round trip). */
export const POSITION_WAIT_MS = 5_000;

/** What a log position holds once filled (not the run's `#LOG` guard item). */
type PositionItem = EventItem | VoidItem;

/**
 * One page of the run's events in ascending order, never past a position still open. Older
 * runs (no `seq`) and descending pages are read as they are stored; void items are skipped.
 */
export async function queryRunLog(
  handle: TableHandle,
  runId: string,
  page: PageRequest,
): Promise<{ items: EventItem[]; cursor: string | null; hasMore: boolean }> {
  const query = {
    TableName: handle.table,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': runPartition(runId), ':prefix': EVENT_PREFIX },
    ConsistentRead: true,
  };
  if (!page.forward) {
    const found = await queryPage(handle.documents, query, page, (item) => item.entity === 'event');
    return { ...found, items: found.items as unknown as EventItem[] };
  }
  const wanted = page.limit + 1;
  const events: EventItem[] = [];
  const afterCursor = page.startKey?.sk;
  const cursorSeq =
    typeof afterCursor === 'string' ? sequenceOf(afterCursor.slice(EVENT_PREFIX.length)) : 0;
  let expected = (cursorSeq ?? 0) + 1;
  let startKey = page.startKey;
  reading: do {
    const result = await handle.documents.send(
      new QueryCommand({ ...query, ExclusiveStartKey: startKey, Limit: wanted - events.length }),
    );
    for (const stored of (result.Items ?? []) as PositionItem[]) {
      if (stored.seq === undefined) {
        if (stored.entity === 'event') events.push(stored);
      } else {
        // Positions before this item that are still open: wait for each, in order.
        while (stored.seq > expected) {
          const filled = await awaitPosition(
            handle,
            runId,
            idBaseOf(stored.eventId, stored.seq),
            expected,
          );
          if (filled.entity === 'event') events.push(filled);
          expected++;
          if (events.length >= wanted) break reading;
        }
        if (stored.seq < expected) continue;
        if (stored.entity === 'event') events.push(stored);
        expected = stored.seq + 1;
      }
      if (events.length >= wanted) break reading;
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey && events.length < wanted);
  const hasMore = events.length > page.limit;
  const items = hasMore ? events.slice(0, page.limit) : events;
  const last = items.at(-1);
  return {
    items,
    cursor: last ? encodeCursor(last as unknown as Record<string, unknown>, undefined) : null,
    hasMore,
  };
}

/**
 * The item at a position once it is filled: polled with backoff, and closed (void) after
 * `POSITION_WAIT_MS` if no event came.
 */
export async function awaitPosition(
  handle: TableHandle,
  runId: string,
  idBase: number,
  seq: number,
  waitMs = POSITION_WAIT_MS,
): Promise<PositionItem> {
  const key = eventKey(runId, sequencedEventId(runId, idBase, seq));
  const closeAt = Date.now() + waitMs;
  for (let round = 1; ; round++) {
    const { Item } = await handle.documents.send(
      new GetCommand({ TableName: handle.table, Key: key, ConsistentRead: true }),
    );
    if (Item) return Item as PositionItem;
    if (Date.now() >= closeAt) {
      // Whoever loses this race reads the winner's item on the next round.
      if (await closePosition(handle, runId, idBase, seq)) continue;
    }
    await new Promise((resolve) =>
      setTimeout(resolve, exponentialBackoff(round, { base: 2, max: 100 })),
    );
  }
}
