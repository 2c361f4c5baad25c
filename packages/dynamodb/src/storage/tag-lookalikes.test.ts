import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage, type DynamoDbStorage } from './dynamodb-storage.js';
import { runKey } from './keys.js';

/**
 * Items written before the `$wk:literal` escape existed must still read back as before. That
 * user values shaped like tags round-trip — including `$wk:blob` lookalikes and fields large
 * enough to be stored as blobs — is checked for every storage by the conformance kit
 * (@worldkit/testing, group "user values shaped like stored-value tags").
 */

const ISO = '2026-01-02T03:04:05.678Z';
const TABLE = 'worldkit_tag_lookalikes';

const local = useLocalDynamoDb();
let storage: DynamoDbStorage;
beforeAll(async () => {
  storage = createDynamoDbStorage(local.settings(TABLE));
  await storage.setup();
});
afterAll(async () => {
  await storage?.close();
});

describe('DynamoDB: user values shaped like stored-value tags', () => {
  it('items written before the escape existed read back as before', async () => {
    const created = await storage.events.create(null, {
      eventType: 'run_created',
      specVersion: 1,
      eventData: { deploymentId: 'dpl_lookalikes', workflowName: 'workflow//old-items', input: 0 },
    } as never);
    const runId = created.run?.runId as string;
    // Exactly what earlier releases wrote: genuine tags, and user lookalikes unescaped. A
    // lookalike blob reference used to fail the read, and with it a whole runs.list page.
    const oldText = JSON.stringify({
      at: { '$wk:date': ISO },
      bytes: { '$wk:bytes': 'AAEA' },
      notADate: { '$wk:date': 'soon' },
      blob: { '$wk:blob': 'x' },
      blobJson: { '$wk:blobjson': 'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      text: { '$wk:text': 'YQAAAGIA' },
      twoMembers: { '$wk:bytes': 'AA==', other: 1 },
    });
    await DynamoDBDocumentClient.from(local.client()).send(
      new UpdateCommand({
        TableName: TABLE,
        Key: runKey(runId),
        UpdateExpression: 'SET #input = :input',
        ExpressionAttributeNames: { '#input': 'input' },
        ExpressionAttributeValues: { ':input': oldText },
      }),
    );
    const expected = {
      at: new Date(ISO),
      bytes: new Uint8Array([0, 1, 0]),
      notADate: { '$wk:date': 'soon' },
      blob: { '$wk:blob': 'x' },
      // Only ever written as a whole field: anywhere else it is the user's object.
      blobJson: { '$wk:blobjson': 'blob_01ARZ3NDEKTSV4RRFFQ69G5FAV' },
      // DynamoDB never wrote `$wk:text`.
      text: { '$wk:text': 'YQAAAGIA' },
      twoMembers: { '$wk:bytes': 'AA==', other: 1 },
    };
    expect((await storage.runs.get(runId)).input).toStrictEqual(expected);
    const listed = await storage.runs.list({ workflowName: 'workflow//old-items' });
    expect((listed.data[0] as { input: unknown }).input).toStrictEqual(expected);
  });
});
