import { describeStorageConformance } from '@worldkit/testing';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbStorage } from './dynamodb-storage.js';

const local = useLocalDynamoDb();
// One table for the whole file: the suite scopes its data by unique ids, so tests share it.
const table = 'worldkit_storage_conformance';

describeStorageConformance({
  name: '@worldkit/dynamodb',
  createStorage: () => createDynamoDbStorage(local.settings(table)),
});
