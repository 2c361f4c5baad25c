import { createWorld } from '@worldkit/core';
import { localQueue, localStreamer } from '@worldkit/local';
import { describeWorldConformance } from '@worldkit/testing';
import { dynamodbStorage } from './providers.js';
import { useLocalDynamoDb } from './test-support/local-dynamodb.js';

// Registered first, so DynamoDB Local is up before the suite's own beforeAll composes the World.
const local = useLocalDynamoDb();

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describeWorldConformance({
  name: '@worldkit/dynamodb storage (local memory queue and streamer)',
  create: () =>
    createWorld({
      storage: dynamodbStorage(local.settings('worldkit_world')),
      queue: localQueue({ memory: true }),
      streamer: localStreamer({ memory: true }),
      logger: quiet,
    }),
});
