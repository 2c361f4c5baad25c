import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ClaimStore,
  type CreateVersionInput,
  createVersionInputSchema,
  newVersionRecord,
  promotedVersionRecord,
  type UpdateVersionInput,
  type UpgradeLog,
  type UpgradeRecord,
  updatedVersionRecord,
  updateVersionInputSchema,
  type Version,
  VersionConflictError,
  VersionNotFoundError,
  type VersionStore,
} from '@worldkit/core';
import { ulid } from 'ulid';
import { createDynamoDbClaims } from '../claims/dynamodb-claims.js';
import { type LazyTable, lazyTable, type TableHandle } from '../connection/lazy-table.js';
import { INDEX } from '../connection/table-definition.js';
import { blobLoader } from '../encoding/blob-items.js';
import { BlobPlan, decodeValue, encodeValue } from '../encoding/stored-value.js';
import { type DynamoDbSettings, resolveDynamoDbSettings } from '../settings.js';
import { classifyWriteError, commitWrite, type TransactItem } from '../storage/commit-write.js';
import { SCHEMA_VERSION } from '../storage/entity-items.js';
import { newUlid } from '../storage/event-ids.js';
import { lookup } from '../storage/keys.js';
import { pageRequest, queryPage, toEntityPage } from '../storage/pagination.js';

export type DynamoDbVersionStore = VersionStore & {
  upgrades: UpgradeLog;
  /** Claims in the same table (the World's durable replay store for `@worldkit/http`). */
  claims: ClaimStore;
  start(): Promise<void>;
  close(): Promise<void>;
};

interface RecordItem {
  pk: string;
  sk: string;
  entity: 'version' | 'upgrade';
  schemaVersion: number;
  /** Stored JSON of the whole record (dates and any bytes in metadata survive). */
  record: string;
  gsi1pk: string;
  gsi1sk: string;
}

const versionKey = (id: string) => ({ pk: `VERSION#${id}`, sk: '#VERSION' });
/** Which version is current: one item, swapped by `promote` in the same transaction. */
const CURRENT_KEY = { pk: 'VERSION_CURRENT', sk: '#CURRENT' };
const upgradeKey = (id: string) => ({ pk: `UPGRADE#${id}`, sk: '#UPGRADE' });
/** One item per generated hook token an upgrade carried over: old token → its upgrade. */
const tokenAliasKey = (token: string) => ({ pk: `TOKENALIAS#${token}`, sk: '#TOKENALIAS' });

/**
 * Version records and the upgrade log in the same table as runs. Behaves like core's memory
 * store: same validation, same `VersionConflictError` / `VersionNotFoundError` cases. Lists
 * come from the `lookup` index (creation order) and re-read each record consistently.
 */
export function createDynamoDbVersionStore(settings: DynamoDbSettings = {}): DynamoDbVersionStore {
  return versionStoreOn(lazyTable(resolveDynamoDbSettings(settings)));
}

function versionStoreOn(table: LazyTable): DynamoDbVersionStore {
  const decodeRecord = async <T>(handle: TableHandle, item: RecordItem): Promise<T> =>
    (await decodeValue(item.record, blobLoader(handle.documents, handle.table, item.pk))) as T;

  const read = async (handle: TableHandle, id: string) => {
    const result = await handle.documents.send(
      new GetCommand({ TableName: handle.table, Key: versionKey(id), ConsistentRead: true }),
    );
    return result.Item as RecordItem | undefined;
  };

  const requireVersion = async (handle: TableHandle, id: string) => {
    const item = await read(handle, id);
    if (!item) throw new VersionNotFoundError(id);
    return { item, version: await decodeRecord<Version>(handle, item) };
  };

  /** Writes a version record, conditional on the record we read still being the stored one. */
  const save = async (
    handle: TableHandle,
    version: Version,
    previous: RecordItem | undefined,
    extra: TransactItem[] = [],
  ) => {
    const blobs = new BlobPlan();
    const item: RecordItem = {
      ...versionKey(version.id),
      entity: 'version',
      schemaVersion: SCHEMA_VERSION,
      record: encodeValue(version, blobs) as string,
      gsi1pk: lookup.versions,
      gsi1sk: previous?.gsi1sk ?? newUlid(),
    };
    const put: TransactItem = {
      Put: {
        TableName: handle.table,
        Item: item,
        ConditionExpression: previous ? '#record = :previous' : 'attribute_not_exists(pk)',
        ExpressionAttributeNames: previous ? { '#record': 'record' } : undefined,
        ExpressionAttributeValues: previous ? { ':previous': previous.record } : undefined,
      },
    };
    await commitWrite(handle.documents, handle.table, item.pk, [put, ...extra], blobs);
  };

  const upgrades: UpgradeLog = {
    async record(entry: UpgradeRecord) {
      const handle = await table.ready();
      const blobs = new BlobPlan();
      const key = upgradeKey(entry.id);
      const item: RecordItem = {
        ...key,
        entity: 'upgrade',
        schemaVersion: SCHEMA_VERSION,
        record: encodeValue(entry, blobs) as string,
        gsi1pk: lookup.upgrades,
        // Creation time first, so the log lists oldest first; replacing keeps the position.
        gsi1sk: `${String(new Date(entry.createdAt).getTime()).padStart(15, '0')}#${entry.id}`,
      };
      // The alias items land with the record, so a token is never resolvable to a missing record.
      const aliases: TransactItem[] = (entry.tokenAliases ?? []).map((alias) => ({
        Put: {
          TableName: handle.table,
          Item: { ...tokenAliasKey(alias.from), entity: 'token-alias', upgradeId: entry.id },
        },
      }));
      await commitWrite(
        handle.documents,
        handle.table,
        key.pk,
        [{ Put: { TableName: handle.table, Item: item } }, ...aliases],
        blobs,
      );
    },
    async findByToken(token) {
      const handle = await table.ready();
      const alias = await handle.documents.send(
        new GetCommand({
          TableName: handle.table,
          Key: tokenAliasKey(token),
          ConsistentRead: true,
        }),
      );
      const upgradeId = alias.Item?.upgradeId;
      if (typeof upgradeId !== 'string') return null;
      const found = await handle.documents.send(
        new GetCommand({
          TableName: handle.table,
          Key: upgradeKey(upgradeId),
          ConsistentRead: true,
        }),
      );
      return found.Item ? decodeRecord<UpgradeRecord>(handle, found.Item as RecordItem) : null;
    },
    async findByRun(runId) {
      return (await upgrades.list({ runId })).filter((record) => record.runId === runId);
    },
    async list(filter = {}) {
      const handle = await table.ready();
      const records: UpgradeRecord[] = [];
      let cursor: string | undefined;
      do {
        const keys = await queryPage(
          handle.documents,
          {
            TableName: handle.table,
            IndexName: INDEX.lookup,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': lookup.upgrades },
          },
          pageRequest({ limit: 1000, cursor, sortOrder: 'asc' }, 'asc'),
        );
        const page = await toEntityPage(handle.documents, handle.table, keys, (item: RecordItem) =>
          decodeRecord<UpgradeRecord>(handle, item),
        );
        records.push(...page.data);
        cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
      } while (cursor);
      return records.filter((record) => {
        if (filter.runId && record.runId !== filter.runId && record.newRunId !== filter.runId) {
          return false;
        }
        return !(
          filter.versionId &&
          record.fromVersion !== filter.versionId &&
          record.toVersion !== filter.versionId
        );
      });
    },
  };

  return {
    upgrades,
    claims: createDynamoDbClaims(table),
    async create(input: CreateVersionInput) {
      const parsed = createVersionInputSchema.parse(input);
      const handle = await table.ready();
      const id = parsed.id ?? `vers_${ulid()}`;
      const version = newVersionRecord(parsed, id);
      try {
        await save(handle, version, undefined);
      } catch (error) {
        if ((error as Error).name === 'StaleWrite') {
          throw new VersionConflictError(`version "${id}" already exists`);
        }
        throw error;
      }
      return structuredClone(dropUndefined(version));
    },
    async get(id) {
      const handle = await table.ready();
      const item = await read(handle, id);
      return item ? decodeRecord<Version>(handle, item) : null;
    },
    async list(options = {}) {
      const handle = await table.ready();
      const keys = await queryPage(
        handle.documents,
        {
          TableName: handle.table,
          IndexName: INDEX.lookup,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': lookup.versions },
        },
        pageRequest(
          { limit: options.limit ?? 100, cursor: options.cursor, sortOrder: 'asc' },
          'asc',
        ),
      );
      const page = await toEntityPage(handle.documents, handle.table, keys, (item: RecordItem) =>
        decodeRecord<Version>(handle, item),
      );
      return { data: page.data, cursor: page.hasMore ? page.cursor : null, hasMore: page.hasMore };
    },
    async update(id, input: UpdateVersionInput) {
      const parsed = updateVersionInputSchema.parse(input);
      const handle = await table.ready();
      const { item, version: existing } = await requireVersion(handle, id);
      const next = updatedVersionRecord(existing, parsed);
      await saveOrConflict(() => save(handle, next, item), id);
      return next;
    },
    async delete(id) {
      const handle = await table.ready();
      await requireVersion(handle, id);
      try {
        await handle.documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                // Refused while this version is current, checked in the same transaction.
                ConditionCheck: {
                  TableName: handle.table,
                  Key: CURRENT_KEY,
                  ConditionExpression: 'attribute_not_exists(pk) OR versionId <> :id',
                  ExpressionAttributeValues: { ':id': id },
                },
              },
              {
                Delete: {
                  TableName: handle.table,
                  Key: versionKey(id),
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
            ],
          }),
        );
      } catch (error) {
        const classified = classifyWriteError(error);
        if (classified.name !== 'StaleWrite') throw classified;
        if (!(await read(handle, id))) throw new VersionNotFoundError(id);
        throw new VersionConflictError(`version "${id}" is current; promote another version first`);
      }
    },
    async getCurrent() {
      const handle = await table.ready();
      const pointer = await handle.documents.send(
        new GetCommand({ TableName: handle.table, Key: CURRENT_KEY, ConsistentRead: true }),
      );
      const id = pointer.Item?.versionId as string | undefined;
      if (!id) return null;
      const item = await read(handle, id);
      return item ? decodeRecord<Version>(handle, item) : null;
    },
    async promote(id) {
      const handle = await table.ready();
      const { item, version } = await requireVersion(handle, id);
      const next = promotedVersionRecord(version);
      const pointer: TransactItem = {
        Put: {
          TableName: handle.table,
          Item: {
            ...CURRENT_KEY,
            entity: 'currentVersion',
            schemaVersion: SCHEMA_VERSION,
            versionId: id,
          },
        },
      };
      await saveOrConflict(() => save(handle, next, item, [pointer]), id);
      return next;
    },
    async start() {
      await table.ready();
    },
    close: () => table.close(),
  };
}

/** A record changed (or vanished) between our read and our write: say which. */
async function saveOrConflict(write: () => Promise<void>, id: string): Promise<void> {
  try {
    await write();
  } catch (error) {
    if ((error as Error).name === 'StaleWrite') {
      throw new VersionConflictError(`version "${id}" changed concurrently; try again`);
    }
    throw error;
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
