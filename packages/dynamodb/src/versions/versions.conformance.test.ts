import { describeVersionStoreConformance } from '@worldkit/testing';
import { dynamodbVersions } from '../providers.js';
import { useLocalDynamoDb } from '../test-support/local-dynamodb.js';

const local = useLocalDynamoDb();

// The listing and promotion tests expect an empty store: each test gets its own table.
describeVersionStoreConformance({
  name: '@worldkit/dynamodb',
  create: () => dynamodbVersions(local.settings()),
});
