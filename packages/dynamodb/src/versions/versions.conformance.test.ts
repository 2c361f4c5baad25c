import { describeVersionStoreConformance } from '@worldkit/testing';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';
import { createDynamoDbVersionStore } from './dynamodb-version-store.js';

const local = useLocalDynamoDb();

// The listing and promotion tests expect an empty store: each test gets its own table.
describeVersionStoreConformance({
  name: '@worldkit/dynamodb',
  createStore: () => createDynamoDbVersionStore(local.settings()),
  upgradeLog: true,
});
