import type { CreateEventParams, Event } from '@workflow/world';
import { stripEventDataRefs } from '@workflow/world';
import type { PlannedEvent } from '@worldkit/core';
import type { TableHandle } from '../connection/lazy-table.js';
import { blobLoader } from '../encoding/blob-items.js';
import { BlobPlan, encodeValue, type LoadBlob } from '../encoding/stored-value.js';
import { commitWrite, readSnapshot, type TransactItem } from './commit-write.js';
import { type EventItem, type LogItem, type RunItem, SCHEMA_VERSION } from './entity-items.js';
import { nextEventId } from './event-ids.js';
import { eventKey, logKey, lookup, runKey, runPartition } from './keys.js';
import { markerAfter } from './state-guard.js';

/**
 * Collects one event's writes: entity changes, event items and the run's write guard. The guard
 * goes last and carries the condition that nothing was written to the run since we read it.
 */
export class EventWrite {
  readonly items: TransactItem[] = [];
  readonly blobs = new BlobPlan();
  readonly events: Event[] = [];
  /** Deletions that did not fit the transaction (a run ending with very many hooks). */
  readonly leftovers: TransactItem[] = [];
  readonly previousEventId: string | undefined;
  private readonly previous: LogItem | undefined;
  private lastEventId: string | undefined;
  /** The run's external-update marker after this write (`state-guard.ts`); moves only forward. */
  private externalUpdateAt: number | undefined;
  private externalUpdateMoved = false;

  constructor(
    private readonly handle: TableHandle,
    readonly runId: string,
    previous: LogItem | undefined,
    readonly now: number,
    private readonly params: CreateEventParams | undefined,
  ) {
    this.previous = previous;
    this.previousEventId = previous?.lastEventId;
    this.lastEventId = this.previousEventId;
    this.externalUpdateAt = previous?.externalUpdateAt;
  }

  get table(): string {
    return this.handle.table;
  }

  encode(value: unknown): string | undefined {
    return encodeValue(value, this.blobs);
  }

  put(item: object, condition?: string, names?: Record<string, string>) {
    this.items.push({
      Put: {
        TableName: this.handle.table,
        Item: item,
        ...(condition ? { ConditionExpression: condition } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
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
   * Adds an event item; returns the event as the caller will see it (`params`: that caller's,
   * when one write carries the events of several callers).
   */
  event(draft: PlannedEvent, params = this.params): Event {
    this.lastEventId = nextEventId(this.lastEventId);
    const eventId = this.lastEventId;
    const item: EventItem = {
      ...eventKey(this.runId, eventId),
      entity: 'event',
      schemaVersion: SCHEMA_VERSION,
      runId: this.runId,
      eventId,
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
      this.externalUpdateAt = markerAfter(this.externalUpdateAt, eventId);
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
    return visible;
  }

  /** The write guard: appended last, after every event of this write. */
  private guard(): TransactItem {
    const key = logKey(this.runId);
    const count = this.events.length;
    if (this.previousEventId === undefined) {
      const item: LogItem = {
        ...key,
        entity: 'log',
        schemaVersion: SCHEMA_VERSION,
        runId: this.runId,
        lastEventId: this.lastEventId as string,
        eventCount: count,
        ...(this.externalUpdateMoved ? { externalUpdateAt: this.externalUpdateAt } : {}),
      };
      return {
        Put: {
          TableName: this.handle.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    }
    // The condition on lastEventId also makes the marker's plain SET safe (`state-guard.ts`).
    const moved = this.externalUpdateMoved;
    return {
      Update: {
        TableName: this.handle.table,
        Key: key,
        UpdateExpression: moved
          ? 'SET lastEventId = :next, externalUpdateAt = :marker ADD eventCount :count'
          : 'SET lastEventId = :next ADD eventCount :count',
        ConditionExpression: 'lastEventId = :previous',
        ExpressionAttributeValues: {
          ':next': this.lastEventId,
          ':previous': this.previousEventId,
          ':count': count,
          ...(moved ? { ':marker': this.externalUpdateAt } : {}),
        },
      },
    };
  }

  /** The write guard item as this write leaves it once committed. */
  get logAfter(): LogItem {
    return {
      ...logKey(this.runId),
      entity: 'log',
      schemaVersion: SCHEMA_VERSION,
      runId: this.runId,
      lastEventId: this.lastEventId as string,
      eventCount: (this.previous?.eventCount ?? 0) + this.events.length,
      ...(this.externalUpdateAt !== undefined ? { externalUpdateAt: this.externalUpdateAt } : {}),
    };
  }

  /** The run's external-update marker as the events added so far leave it. */
  get marker(): number | undefined {
    return this.externalUpdateAt;
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
