import type { CreateEventParams, Event } from '@workflow/world';
import { stripEventDataRefs } from '@workflow/world';
import type { PlannedEvent } from '@worldkit/core';
import type { TableHandle } from '../connection/lazy-table.js';
import { blobLoader } from '../encoding/blob-items.js';
import { BlobPlan, encodeValue, type LoadBlob } from '../encoding/stored-value.js';
import { commitWrite, readSnapshot, type TransactItem } from './commit-write.js';
import { type EventItem, type LogItem, type RunItem, SCHEMA_VERSION } from './entity-items.js';
import { nextEventId, sequencedEventId } from './event-ids.js';
import { eventKey, logKey, lookup, runKey, runPartition } from './keys.js';
import { closePositions, type Reservation, reservePositions } from './log-positions.js';
import { markerAfter } from './state-guard.js';

/** An event item and the event its writer gets back, renamed together if positions shift. */
interface AddedEvent {
  item: EventItem;
  visible: Event;
}

/**
 * Collects one event's writes: entity changes, event items and the run's write guard. The guard
 * goes last and carries the condition that nothing was written to the run since we read it.
 *
 * A *reserved* write (`reserved`) has no guard: its entity writes carry their own conditions,
 * and it takes its log positions right before its transaction (`log-positions.ts`); the events
 * were numbered from the positions the read saw free and are renumbered if others took them.
 */
export class EventWrite {
  readonly items: TransactItem[] = [];
  readonly blobs = new BlobPlan();
  readonly events: Event[] = [];
  /** Deletions that did not fit the transaction (a run ending with very many hooks). */
  readonly leftovers: TransactItem[] = [];
  private readonly previousEventId: string | undefined;
  /** The guard value this write is conditional on (`guardValueOf`). */
  readonly previousGuard: string | undefined;
  private readonly previous: LogItem | undefined;
  private readonly added: AddedEvent[] = [];
  /** Runs created since event ids were sequenced; older runs keep ULID ids from the clock. */
  private readonly sequenced: boolean;
  private readonly idBase: number;
  private lastSeq: number;
  private lastEventId: string | undefined;
  /** The run's external-update marker after this write (`state-guard.ts`); moves only forward. */
  private externalUpdateAt: number | undefined;
  private externalSeq: number | undefined;
  private externalUpdateMoved = false;
  private ending = false;
  /** Highest marker position the reservation may find (`requireMarkerAtMost`). */
  private markerLimit: number | undefined;

  constructor(
    private readonly handle: TableHandle,
    readonly runId: string,
    previous: LogItem | undefined,
    readonly now: number,
    private readonly params: CreateEventParams | undefined,
    readonly reserved = false,
  ) {
    this.previous = previous;
    this.previousEventId = previous?.lastEventId;
    this.previousGuard = previous && guardValueOf(previous);
    this.lastEventId = this.previousEventId;
    this.sequenced = previous === undefined || previous.lastSeq !== undefined;
    this.idBase = previous?.idBase ?? now;
    this.lastSeq = previous?.lastSeq ?? 0;
    this.externalSeq = previous?.externalSeq;
    this.externalUpdateAt = previous?.externalUpdateAt;
  }

  get table(): string {
    return this.handle.table;
  }

  encode(value: unknown): string | undefined {
    return encodeValue(value, this.blobs);
  }

  put(item: object, condition?: string, names?: Record<string, string>, values?: object) {
    this.items.push({
      Put: {
        TableName: this.handle.table,
        Item: item,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ...(values ? { ExpressionAttributeValues: values as Record<string, unknown> } : {}),
      },
    });
  }

  delete(key: object, condition?: string, values?: Record<string, unknown>): TransactItem {
    return {
      Delete: {
        TableName: this.handle.table,
        Key: key,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(values ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }

  /**
   * A reserved write carrying a replay's `stateUpdatedAt` (an id time): its positions are only
   * taken while no external event took one after that (`log-positions.ts`).
   */
  requireMarkerAtMost(time: number): void {
    const seq = time - this.idBase;
    this.markerLimit = this.markerLimit === undefined ? seq : Math.min(this.markerLimit, seq);
  }

  /** This write ends the run: no position can be reserved after it commits. */
  endRun(): void {
    this.ending = true;
  }

  /**
   * Adds an event item; returns the event as the caller will see it (`params`: that caller's,
   * when one write carries the events of several callers).
   */
  event(draft: PlannedEvent, params = this.params): Event {
    let seq: number | undefined;
    if (this.sequenced) {
      seq = ++this.lastSeq;
      this.lastEventId = sequencedEventId(this.runId, this.idBase, seq);
    } else {
      this.lastEventId = nextEventId(this.lastEventId);
    }
    const eventId = this.lastEventId;
    const item: EventItem = {
      ...eventKey(this.runId, eventId),
      entity: 'event',
      schemaVersion: SCHEMA_VERSION,
      runId: this.runId,
      eventId,
      ...(seq !== undefined ? { seq } : {}),
      ...(draft.external ? { external: true } : {}),
      eventType: draft.eventType,
      correlationId: draft.correlationId,
      eventData: this.encode(draft.eventData),
      specVersion: draft.specVersion,
      createdAt: this.now,
      occurredAt: draft.occurredAt?.getTime(),
      ...(draft.correlationId
        ? { gsi1pk: lookup.eventsOfCorrelation(draft.correlationId), gsi1sk: eventId }
        : {}),
    };
    this.put(item, 'attribute_not_exists(pk)');
    // A step result or hook payload from outside a replay moves the marker (`state-guard.ts`).
    if (draft.external) {
      if (seq !== undefined) this.externalSeq = seq;
      else this.externalUpdateAt = markerAfter(this.externalUpdateAt, eventId);
      this.externalUpdateMoved = true;
    }
    const event = {
      eventType: draft.eventType,
      runId: this.runId,
      eventId,
      createdAt: new Date(this.now),
      specVersion: draft.specVersion,
      ...(draft.correlationId !== undefined ? { correlationId: draft.correlationId } : {}),
      ...(draft.eventData !== undefined ? { eventData: draft.eventData } : {}),
      ...(draft.occurredAt ? { occurredAt: draft.occurredAt } : {}),
    } as Event;
    const visible = stripEventDataRefs(event, params?.resolveData ?? 'all');
    this.events.push(visible);
    this.added.push({ item, visible });
    return visible;
  }

  /** The write guard: appended last, after every event of this write. */
  private guard(): TransactItem {
    const key = logKey(this.runId);
    const count = this.events.length;
    const moved = this.externalUpdateMoved;
    if (this.previous === undefined) {
      const item: LogItem = {
        ...key,
        entity: 'log',
        schemaVersion: SCHEMA_VERSION,
        runId: this.runId,
        lastEventId: this.lastEventId as string,
        eventCount: count,
        lastSeq: this.lastSeq,
        idBase: this.idBase,
        ...(moved ? { externalSeq: this.externalSeq } : {}),
        ...(this.ending ? { endedAt: this.now } : {}),
      };
      return {
        Put: {
          TableName: this.handle.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    }
    const sets = ['lastEventId = :next'];
    const values: Record<string, unknown> = { ':next': this.lastEventId, ':count': count };
    if (this.sequenced) {
      sets.push('lastSeq = :lastSeq');
      values[':lastSeq'] = this.lastSeq;
      values[':previous'] = this.previous.lastSeq;
      if (moved) {
        sets.push('externalSeq = :marker');
        values[':marker'] = this.externalSeq;
      }
    } else {
      values[':previous'] = this.previousEventId;
      if (moved) {
        sets.push('externalUpdateAt = :marker');
        values[':marker'] = this.externalUpdateAt;
      }
    }
    if (this.ending) {
      sets.push('endedAt = :endedAt');
      values[':endedAt'] = this.now;
    }
    // The condition on the guard also makes the marker's plain SET safe (`state-guard.ts`).
    return {
      Update: {
        TableName: this.handle.table,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')} ADD eventCount :count`,
        ConditionExpression: this.sequenced ? 'lastSeq = :previous' : 'lastEventId = :previous',
        ExpressionAttributeValues: values,
      },
    };
  }

  /** The write guard item as this (guarded) write leaves it once committed. */
  get logAfter(): LogItem {
    return {
      ...logKey(this.runId),
      entity: 'log',
      schemaVersion: SCHEMA_VERSION,
      runId: this.runId,
      lastEventId: this.lastEventId as string,
      eventCount: (this.previous?.eventCount ?? 0) + this.events.length,
      ...(this.sequenced ? { lastSeq: this.lastSeq, idBase: this.idBase } : {}),
      ...(this.externalSeq !== undefined ? { externalSeq: this.externalSeq } : {}),
      ...(this.externalUpdateAt !== undefined ? { externalUpdateAt: this.externalUpdateAt } : {}),
      ...(this.ending || this.previous?.endedAt !== undefined
        ? { endedAt: this.previous?.endedAt ?? this.now }
        : {}),
    };
  }

  /** The run's external-update marker (a ULID time) as the events added so far leave it. */
  get marker(): number | undefined {
    return this.sequenced
      ? this.externalSeq === undefined
        ? undefined
        : this.idBase + this.externalSeq
      : this.externalUpdateAt;
  }

  /** Blobs written by this write are served from memory when building the result. */
  loader(): LoadBlob {
    const fromTable = blobLoader(
      this.handle.documents,
      this.handle.table,
      runPartition(this.runId),
    );
    const written = new Map(this.blobs.blobs.map((blob) => [blob.id, blob.bytes]));
    return (id) => {
      const bytes = written.get(id);
      return bytes ? Promise.resolve(bytes) : fromTable(id);
    };
  }

  async commit(): Promise<void> {
    if (this.reserved) {
      await this.commitReserved();
      return;
    }
    await commitWrite(
      this.handle.documents,
      this.handle.table,
      runPartition(this.runId),
      [...this.items, this.guard()],
      this.blobs,
    );
    // The run has ended either way; these only tidy up what its transaction had no room for.
    for (let next = 0; next < this.leftovers.length; next += 25) {
      await commitWrite(
        this.handle.documents,
        this.handle.table,
        runPartition(this.runId),
        this.leftovers.slice(next, next + 25),
        new BlobPlan(),
      ).catch(() => undefined);
    }
  }

  /**
   * Takes the positions right before the transaction, renumbers the events if others took the
   * ones the read saw free, and closes the positions again if the transaction fails.
   */
  private async commitReserved(): Promise<void> {
    let reservation: Reservation | undefined;
    const count = this.added.length;
    const firstPlanned = (this.previous?.lastSeq ?? 0) + 1;
    const externalAt =
      this.externalUpdateMoved && this.externalSeq !== undefined
        ? this.externalSeq - firstPlanned + 1
        : undefined;
    try {
      await commitWrite(
        this.handle.documents,
        this.handle.table,
        runPartition(this.runId),
        this.items,
        this.blobs,
        async () => {
          reservation = await reservePositions(
            this.handle,
            this.runId,
            count,
            externalAt,
            this.markerLimit,
          );
          this.renumber(reservation.firstSeq - firstPlanned, reservation.idBase);
        },
      );
    } catch (error) {
      if (reservation) {
        const { firstSeq, idBase } = reservation;
        await closePositions(
          this.handle,
          this.runId,
          idBase,
          Array.from({ length: count }, (_, index) => firstSeq + index),
        );
      }
      throw error;
    }
  }

  /** Moves every event of this write `shift` positions on (ids and keys follow). */
  private renumber(shift: number, idBase: number): void {
    for (const { item, visible } of this.added) {
      const seq = (item.seq as number) + shift;
      const eventId = sequencedEventId(this.runId, idBase, seq);
      Object.assign(item, eventKey(this.runId, eventId), { eventId, seq });
      if (item.gsi1sk !== undefined) item.gsi1sk = eventId;
      visible.eventId = eventId;
    }
  }
}

/** The value a write guard condition compares: the last position, or on older runs the last id. */
export function guardValueOf(log: LogItem): string {
  return log.lastSeq !== undefined ? `seq:${log.lastSeq}` : log.lastEventId;
}

export interface RunSnapshot {
  run: RunItem | undefined;
  log: LogItem | undefined;
  extra: Array<Record<string, unknown> | undefined>;
}

/** The run, its write guard and any other items the event depends on, as one snapshot. */
export async function readRun(
  handle: TableHandle,
  runId: string,
  extraKeys: Array<{ pk: string; sk: string }> = [],
): Promise<RunSnapshot> {
  const [run, log, ...extra] = await readSnapshot(handle.documents, handle.table, [
    runKey(runId),
    logKey(runId),
    ...extraKeys,
  ]);
  return { run: run as RunItem | undefined, log: log as LogItem | undefined, extra };
}
