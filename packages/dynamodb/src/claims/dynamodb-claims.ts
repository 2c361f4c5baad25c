import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClaimStore } from '@worldkit/core';
import type { LazyTable } from '../connection/lazy-table.js';

/**
 * The table's time-to-live attribute (epoch seconds): `setupTable` turns TTL on for it, and
 * DynamoDB then deletes expired claims by itself, usually within a few days of expiry.
 */
export const TTL_ATTRIBUTE = 'ttl';

const claimKey = (key: string) => ({ pk: `CLAIM#${key}`, sk: '#CLAIM' });

/**
 * Claims as items of the one table. A conditional `PutItem` decides a claim: it writes when no
 * item has the key or when the stored claim has expired (`expiresAtMs` is checked by the
 * condition, since TTL deletion lags expiry by hours or days), and otherwise fails its
 * condition, which means "already claimed".
 */
export function createDynamoDbClaims(table: LazyTable, now: () => number = Date.now): ClaimStore {
  return {
    async claimOnce(key, expiresAtMs) {
      const handle = await table.ready();
      try {
        await handle.documents.send(
          new PutCommand({
            TableName: handle.table,
            Item: {
              ...claimKey(key),
              entity: 'claim',
              expiresAtMs,
              [TTL_ATTRIBUTE]: Math.ceil(expiresAtMs / 1000),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :now',
            ExpressionAttributeValues: { ':now': now() },
          }),
        );
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}
