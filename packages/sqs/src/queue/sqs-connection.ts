import { SQSClient } from '@aws-sdk/client-sqs';
import type { ResolvedSqsSettings } from '../settings.js';
import { resolveQueueAddresses } from './queue-addresses.js';
import type { SqsQueueAddresses } from './queue-setup.js';

/** Longest wait for a TCP connection to the SQS endpoint. */
const CONNECTION_TIMEOUT_MS = 10_000;
/** How long an answer may take beyond a receive's long poll before the request is abandoned. */
const REQUEST_TIMEOUT_SLACK_SECONDS = 30;

/**
 * The SQS client and queue URLs of one transport, both made on first use: composing a World
 * stays synchronous and free of I/O. A failed lookup is retried by the next caller.
 */
export class SqsConnection {
  #client: SQSClient | undefined;
  #addresses: Promise<SqsQueueAddresses> | undefined;

  constructor(private readonly settings: ResolvedSqsSettings) {}

  get client(): SQSClient {
    this.#client ??=
      this.settings.client ??
      new SQSClient({
        region: this.settings.region,
        endpoint: this.settings.endpoint,
        // The SDK's default waits forever for an answer: a request whose connection died
        // without a reset (an endpoint cut off, an overloaded emulator) holds one of the 50
        // pooled sockets for good, and once all 50 are held every call queues behind them.
        // Bounded, such a request fails and is retried on a fresh connection. Receives wait
        // up to `waitTimeSeconds` on purpose, so the bound leaves them room.
        requestHandler: {
          connectionTimeout: CONNECTION_TIMEOUT_MS,
          requestTimeout: (this.settings.waitTimeSeconds + REQUEST_TIMEOUT_SLACK_SECONDS) * 1000,
        },
      });
    return this.#client;
  }

  addresses(): Promise<SqsQueueAddresses> {
    if (!this.#addresses) {
      const pending = resolveQueueAddresses(this.client, this.settings);
      this.#addresses = pending;
      pending.catch(() => {
        if (this.#addresses === pending) this.#addresses = undefined;
      });
    }
    return this.#addresses;
  }

  /**
   * An explicit `setup()`: prepares the queues (see `resolveQueueAddresses`) and keeps the
   * addresses for every later call.
   */
  setup(): Promise<SqsQueueAddresses> {
    const pending = resolveQueueAddresses(this.client, this.settings, true);
    this.#addresses = pending;
    pending.catch(() => {
      if (this.#addresses === pending) this.#addresses = undefined;
    });
    return pending;
  }

  /** Destroys the client if this connection created it; a caller's client is left alone. */
  destroy(): void {
    if (this.#client && this.#client !== this.settings.client) this.#client.destroy();
    this.#client = undefined;
  }
}
