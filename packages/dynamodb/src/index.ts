export { createDynamoDbClaims, TTL_ATTRIBUTE } from './claims/dynamodb-claims.js';
export type { SetupReport } from './connection/setup-table.js';
export { setupTable } from './connection/setup-table.js';
export { GLOBAL_INDEXES, INDEX, LOCAL_INDEXES } from './connection/table-definition.js';
export { dynamodb, dynamodbStorage, dynamodbVersions } from './providers.js';
export {
  type DynamoDbSettings,
  PACKAGE_NAME,
  type ResolvedDynamoDbSettings,
  resolveDynamoDbSettings,
} from './settings.js';
export {
  createDynamoDbStorage,
  type DynamoDbStorage,
  type RunsByDeploymentParams,
} from './storage/dynamodb-storage.js';
export {
  createDynamoDbVersionStore,
  type DynamoDbVersionStore,
} from './versions/dynamodb-version-store.js';
