import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { WorkflowWorldError } from '@workflow/errors';
import type { BlobPlan, LoadBlob } from './stored-value.js';

/** Bytes per chunk item: below the 400 KB item limit with room for keys and attribute names. */
export const CHUNK_BYTES = 350_000;

export interface BlobChunkItem {
  pk: string;
  sk: string;
  entity: 'blob';
  blobId: string;
  part: number;
  data: Uint8Array;
  schemaVersion: 1;
}

const chunkPrefix = (blobId: string) => `BLOB#${blobId}#`;

/**
 * Chunk items for every blob of a write, in the partition of the item that references them
 * (a run's, a version's), so they are read and deleted with it.
 */
export function blobChunkItems(partition: string, plan: BlobPlan): BlobChunkItem[] {
  const items: BlobChunkItem[] = [];
  for (const blob of plan.blobs) {
    const parts = Math.max(1, Math.ceil(blob.bytes.byteLength / CHUNK_BYTES));
    for (let part = 0; part < parts; part++) {
      items.push({
        pk: partition,
        sk: `${chunkPrefix(blob.id)}${String(part).padStart(6, '0')}`,
        entity: 'blob',
        blobId: blob.id,
        part,
        data: blob.bytes.subarray(part * CHUNK_BYTES, (part + 1) * CHUNK_BYTES),
        schemaVersion: 1,
      });
    }
  }
  return items;
}

/** Loads blobs of one partition with consistent reads, each at most once per loader. */
export function blobLoader(
  documents: DynamoDBDocumentClient,
  table: string,
  partition: string,
): LoadBlob {
  const loaded = new Map<string, Promise<Uint8Array>>();
  const load = async (blobId: string): Promise<Uint8Array> => {
    const parts: Uint8Array[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': partition, ':prefix': chunkPrefix(blobId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) parts.push(item.data as Uint8Array);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    if (parts.length === 0) {
      throw new WorkflowWorldError(`payload blob "${blobId}" in "${partition}" is missing`);
    }
    return new Uint8Array(Buffer.concat(parts));
  };
  return (blobId) => {
    let pending = loaded.get(blobId);
    if (!pending) {
      pending = load(blobId);
      loaded.set(blobId, pending);
    }
    return pending;
  };
}
