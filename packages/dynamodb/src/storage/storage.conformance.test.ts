import { describeStorageConformance } from '@worldkit/testing';
import { dynamodbStorage } from '../providers.js';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';

const local = useLocalDynamoDb();
// One table for the whole file: the suite scopes its data by unique ids, so tests share it.
const table = 'worldkit_storage_conformance';

describeStorageConformance({
  name: '@worldkit/dynamodb',
  create: () => dynamodbStorage(local.settings(table)),
});
