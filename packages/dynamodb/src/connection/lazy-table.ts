import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ResolvedDynamoDbSettings } from '../settings.js';
import { type SetupReport, setupTable } from './setup-table.js';

/** What storage and the version store talk to. */
export interface TableHandle {
  table: string;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
}

export interface LazyTable {
  /** The client, created on first call (no I/O). */
  get(): TableHandle;
  /** The client, after the table was set up once in this instance (when `autoSetup` is on). */
  ready(): Promise<TableHandle>;
  /** Runs `setupTable` now, even with `autoSetup` off. */
  setup(): Promise<SetupReport>;
  /** Destroys a client this instance created; a client passed in settings is left alone. */
  close(): Promise<void>;
}

/**
 * Creates the SDK client on first use, never at construction: the runtime composes Worlds
 * synchronously, several times per process. Payload bytes are `Uint8Array`s, which the document
 * client stores as Binary; `undefined` attributes are dropped rather than refused.
 */
/** Time to open a connection to DynamoDB before the request fails (and is retried). */
const CONNECTION_TIMEOUT_MS = 10_000;
/** Longest wait for one answer; DynamoDB answers in milliseconds, a transaction in tens. */
const REQUEST_TIMEOUT_MS = 30_000;

export function lazyTable(settings: ResolvedDynamoDbSettings): LazyTable {
  let handle: TableHandle | undefined;
  let prepared: Promise<unknown> | undefined;
  let ownsClient = false;

  const get = (): TableHandle => {
    if (!handle) {
      ownsClient = settings.client === undefined;
      const client =
        settings.client ??
        new DynamoDBClient({
          ...(settings.region ? { region: settings.region } : {}),
          ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
          // The SDK's defaults: 50 sockets, no request timeout. A process running many
          // deliveries at once queues behind 50 sockets, and a request whose connection died
          // silently holds one for good; bounded, it fails and is retried on a fresh one.
          requestHandler: {
            connectionTimeout: CONNECTION_TIMEOUT_MS,
            requestTimeout: REQUEST_TIMEOUT_MS,
            httpAgent: { keepAlive: true, maxSockets: settings.maxSockets },
            httpsAgent: { keepAlive: true, maxSockets: settings.maxSockets },
          },
        });
      const documents = DynamoDBDocumentClient.from(client, {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
        unmarshallOptions: { wrapNumbers: false },
      });
      handle = { table: settings.table, client, documents };
    }
    return handle;
  };

  const setup = () => setupTable(get().client, settings.table);

  return {
    get,
    async ready() {
      const current = get();
      if (!settings.autoSetup) return current;
      if (!prepared) {
        prepared = setup().catch((error) => {
          // A failed setup is retried by the next caller rather than cached forever.
          prepared = undefined;
          throw error;
        });
      }
      await prepared;
      return current;
    },
    setup,
    async close() {
      if (handle && ownsClient) handle.client.destroy();
      handle = undefined;
      prepared = undefined;
    },
  };
}
