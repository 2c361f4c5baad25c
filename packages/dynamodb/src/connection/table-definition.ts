import type {
  AttributeDefinition,
  GlobalSecondaryIndex,
  LocalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';

/**
 * The one table's key schema and indexes (see README, "Table design"). Index key attributes
 * are generic (`gsi1pk` …) because several item types share an index with different meanings;
 * index names say what each one is for.
 *
 * Every list reads keys from an index and then fetches the items themselves with consistent
 * reads, so indexes project keys only (plus `status` and `runId` where a list filters on them):
 * an item's payload is stored once, and a list never returns a stale copy of an entity.
 */
export const INDEX = {
  /** LSI: a run's steps and hooks in creation order (`STEP#<order>`, `HOOK#<order>`). */
  runOrder: 'runOrder',
  /** Runs by workflow name; steps, hooks by id; events by correlation id; versions in order. */
  lookup: 'lookup',
  /** Runs by status. */
  runsByStatus: 'runsByStatus',
  /** Runs by version (deploymentId). */
  runsByDeployment: 'runsByDeployment',
  /** Every run, by creation. */
  runsByCreation: 'runsByCreation',
  /** Sparse: only runs still pending or running, by version (drain reports). */
  activeRunsByDeployment: 'activeRunsByDeployment',
} as const;

export const KEY_ATTRIBUTES = {
  [INDEX.runOrder]: { sort: 'lsi1sk' },
  [INDEX.lookup]: { partition: 'gsi1pk', sort: 'gsi1sk' },
  [INDEX.runsByStatus]: { partition: 'gsi2pk', sort: 'gsi2sk' },
  [INDEX.runsByDeployment]: { partition: 'gsi3pk', sort: 'gsi3sk' },
  [INDEX.runsByCreation]: { partition: 'gsi4pk', sort: 'gsi4sk' },
  [INDEX.activeRunsByDeployment]: { partition: 'gsi5pk', sort: 'gsi5sk' },
} as const;

export type GlobalIndexName = Exclude<(typeof INDEX)[keyof typeof INDEX], 'runOrder'>;

const stringAttribute = (AttributeName: string): AttributeDefinition => ({
  AttributeName,
  AttributeType: 'S',
});

export const ATTRIBUTE_DEFINITIONS: AttributeDefinition[] = [
  'pk',
  'sk',
  'lsi1sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'gsi4pk',
  'gsi4sk',
  'gsi5pk',
  'gsi5sk',
].map(stringAttribute);

export const LOCAL_INDEXES: LocalSecondaryIndex[] = [
  {
    IndexName: INDEX.runOrder,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'lsi1sk', KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  },
];

function globalIndex(name: GlobalIndexName, included?: string[]): GlobalSecondaryIndex {
  const keys = KEY_ATTRIBUTES[name];
  return {
    IndexName: name,
    KeySchema: [
      { AttributeName: keys.partition, KeyType: 'HASH' },
      { AttributeName: keys.sort, KeyType: 'RANGE' },
    ],
    Projection: included
      ? { ProjectionType: 'INCLUDE', NonKeyAttributes: included }
      : { ProjectionType: 'KEYS_ONLY' },
  };
}

export const GLOBAL_INDEXES: GlobalSecondaryIndex[] = [
  globalIndex(INDEX.lookup, ['status', 'runId']),
  globalIndex(INDEX.runsByStatus),
  globalIndex(INDEX.runsByDeployment),
  globalIndex(INDEX.runsByCreation),
  globalIndex(INDEX.activeRunsByDeployment),
];
