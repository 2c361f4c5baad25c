import { createHash } from 'node:crypto';
import { chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as workflowErrors from '@workflow/errors';
import * as worldkitCore from '@worldkit/core';
import { decodeMessage, encodeMessage, type Logger } from '@worldkit/core';
import { WorldkitError } from '@worldkit/provider';
import { DataDirLockedError, DataDirWriterUnavailableError } from './errors.js';

/**
 * Writes from other processes reach the data directory's writer over a local socket: one
 * request per line, `{v, id, op, args}`, answered by `{id, ok, value | error}`, in the tagged
 * JSON of `encodeMessage` (bytes and dates survive). The writer applies them exactly as its
 * own writes, against its own up-to-date state, so nothing has to be merged afterwards.
 */
const PROTOCOL_VERSION = 1;
/** Most sockets allow ~104-108 bytes of path; longer data directories get one in the tmp dir. */
const MAX_SOCKET_PATH_BYTES = 100;
/** How long a forwarded write may take before the caller stops waiting for the answer. */
const DEFAULT_CALL_TIMEOUT_MS = 60_000;

export type Operation = (...args: unknown[]) => Promise<unknown>;

/**
 * The process asked to apply a write does not write the directory (any more): nothing was
 * applied, and the caller looks up the writer again. Internal to the session's retry.
 */
export class WriterMovedError extends WorldkitError {
  static override readonly code = 'WORLDKIT_LOCAL_WRITER_MOVED';
  override readonly name = 'WriterMovedError';
  constructor(message: string) {
    super(WriterMovedError.code, message);
  }
}

/** Where the writer of `dataDir` listens: in the directory when the path is short enough. */
export function socketPathFor(dataDir: string): string {
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  if (process.platform === 'win32') return `\\\\.\\pipe\\worldkit-${digest}`;
  const inside = path.join(dataDir, 'writer.sock');
  if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH_BYTES) return inside;
  return path.join(tmpdir(), `worldkit-${digest}.sock`);
}

interface Request {
  v: number;
  id: number;
  op: string;
  args: unknown[];
}

type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  /** Sent before the writer closes a connection: requests it did not answer were not applied. */
  | { id: -1; bye: true };

/**
 * Serves forwarded writes. `dispatch` runs one operation; its result or error goes back to the
 * caller. Returns `close()`, which stops listening, drops connections and removes the socket.
 */
export async function serveForwardedWrites(
  socketPath: string,
  dispatch: (op: string, args: unknown[]) => Promise<unknown>,
  logger: Logger,
): Promise<() => Promise<void>> {
  if (process.platform !== 'win32') {
    // Only the lock holder gets here, so a socket file left at this path is a dead writer's.
    await unlink(socketPath).catch(() => undefined);
  }
  const connections = new Set<net.Socket>();
  const answering = new Set<Promise<void>>();
  const server = net.createServer((connection) => {
    connections.add(connection);
    connection.unref();
    connection.on('close', () => connections.delete(connection));
    connection.on('error', () => connection.destroy());
    readLines(connection, (line) => {
      const answered = answer(line).then((response) => {
        if (!connection.destroyed) connection.write(`${encodeMessage(response)}\n`);
      });
      answering.add(answered);
      void answered.finally(() => answering.delete(answered));
    });
  });
  const answer = async (line: string): Promise<Response> => {
    let request: Request;
    try {
      request = decodeMessage(line) as Request;
    } catch {
      return { id: -1, ok: false, error: serializeError(new Error('malformed forwarded request')) };
    }
    if (request.v !== PROTOCOL_VERSION) {
      const error = new Error(
        `forwarded write protocol ${String(request.v)} is not ${PROTOCOL_VERSION}: ` +
          'run the same @worldkit/local version in the app and the tools',
      );
      return { id: request.id, ok: false, error: serializeError(error) };
    }
    try {
      return { id: request.id, ok: true, value: await dispatch(request.op, request.args ?? []) };
    } catch (error) {
      return { id: request.id, ok: false, error: serializeError(error) };
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  server.on('error', (error) =>
    logger.error('forwarded-write socket failed', { socketPath, error: String(error) }),
  );
  if (process.platform !== 'win32') await chmod(socketPath, 0o600).catch(() => undefined);
  return async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Every request read so far is answered; then each caller is told that anything else it
    // sent was not applied, and the connection ends.
    while (answering.size > 0) await Promise.allSettled([...answering]);
    for (const connection of connections) {
      if (connection.destroyed) continue;
      // Held open (ref'd) until the caller has the goodbye: an exiting app waits for that.
      connection.ref();
      connection.end(`${encodeMessage({ id: -1, bye: true })}\n`);
    }
    // A caller that does not close its side within a second is cut off.
    const ending = setTimeout(() => {
      for (const connection of connections) connection.destroy();
    }, 1_000);
    await closed;
    clearTimeout(ending);
    if (process.platform !== 'win32') await unlink(socketPath).catch(() => undefined);
  };
}

/** Sends forwarded writes to one writer process over one connection. */
export class ForwardingClient {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: unknown) => void }
  >();
  private closed = false;
  /** The writer said goodbye: what it did not answer, it did not apply. */
  private movedAway = false;

  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly socketPath: string,
    private readonly stillAlive: () => Promise<boolean>,
    /** Whether the writer runs the app or is a tool that took the lock to write. */
    readonly holderRole?: 'app' | 'tool',
    private readonly timeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ) {}

  /** True while the connection can take requests (false once the writer went away). */
  get usable(): boolean {
    return !this.closed;
  }

  async call(op: string, args: unknown[]): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    const answered = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    socket.ref();
    const timer = setTimeout(() => {
      this.settle(id, {
        ok: false,
        error: new DataDirWriterUnavailableError(
          this.dataDir,
          this.pid,
          `it did not answer "${op}" within ${Math.round(this.timeoutMs / 1000)} s (the write may still be applied)`,
        ),
      });
    }, this.timeoutMs);
    try {
      const request: Request = { v: PROTOCOL_VERSION, id, op, args };
      socket.write(`${encodeMessage(request)}\n`);
      return await answered;
    } finally {
      clearTimeout(timer);
      if (this.pending.size === 0 && !socket.destroyed) socket.unref();
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.failAll(new Error('@worldkit/local: the data directory session is closed'));
  }

  private connect(): Promise<net.Socket> {
    if (this.closed) {
      // Nothing was sent on this connection: the caller looks up the writer again.
      return Promise.reject(new WriterMovedError('the connection to the writer closed'));
    }
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Connects, retrying for a few seconds while the writer is alive but not listening yet. */
  private async open(): Promise<net.Socket> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const attempt = net.createConnection(this.socketPath);
          attempt.once('connect', () => {
            attempt.off('error', reject);
            resolve(attempt);
          });
          attempt.once('error', reject);
        });
        this.adopt(socket);
        return socket;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const retryable = code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EAGAIN';
        if (retryable && !(await this.stillAlive())) {
          // It released the lock (or died) meanwhile: nothing was sent, look again.
          this.closed = true;
          throw new WriterMovedError('the writer let go of the data directory');
        }
        if (!retryable || Date.now() > deadline) {
          this.closed = true;
          throw new DataDirWriterUnavailableError(
            this.dataDir,
            this.pid,
            `its socket ${this.socketPath} did not accept a connection (${code ?? String(error)})`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  private adopt(socket: net.Socket): void {
    this.socket = socket;
    socket.unref();
    readLines(socket, (line) => {
      let response: Response;
      try {
        response = decodeMessage(line) as Response;
      } catch {
        return;
      }
      if ('bye' in response) {
        this.movedAway = true;
        this.closed = true;
        return;
      }
      this.settle(
        response.id,
        response.ok
          ? { ok: true, value: response.value }
          : { ok: false, error: deserializeError(response.error) },
      );
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      // The writer stopped (or restarted): requests in flight have no answer. A later write
      // looks the writer up again and may find none, and then writes itself.
      this.closed = true;
      this.failAll(
        this.movedAway
          ? new WriterMovedError('the writer let go of the data directory before this write')
          : new DataDirWriterUnavailableError(
              this.dataDir,
              this.pid,
              'it closed the connection before answering (the write may or may not be applied)',
            ),
      );
    });
  }

  private settle(
    id: number,
    outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
  ) {
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.pending.delete(id);
    if (outcome.ok) waiter.resolve(outcome.value);
    else waiter.reject(outcome.error);
  }

  private failAll(error: Error): void {
    for (const [id] of this.pending) this.settle(id, { ok: false, error });
  }
}

function readLines(socket: net.Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    buffered += text;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line !== '') onLine(line);
      newline = buffered.indexOf('\n');
    }
  });
}

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Own fields such as `status`, `retryAfter`, `runId`, `versionId`. */
  fields: Record<string, unknown>;
  cause?: SerializedError;
}

function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    const type = typeof value;
    if (value === null || type === 'string' || type === 'number' || type === 'boolean') {
      fields[key] = value;
    }
  }
  const serialized: SerializedError = {
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
  };
  if (error.cause !== undefined && depth < 3)
    serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

/** Error classes a forwarded error can be rebuilt as, so `instanceof` and `X.is()` still hold. */
const KNOWN_ERRORS: Record<string, unknown> = {
  ...workflowErrors,
  ...worldkitCore,
  DataDirLockedError,
  DataDirWriterUnavailableError,
  WriterMovedError,
};

/** Rebuilds an error answered by the writer as the same class, message and fields. */
export function deserializeError(serialized: SerializedError): Error {
  const options = serialized.cause ? { cause: deserializeError(serialized.cause) } : undefined;
  const error = new Error(serialized.message, options);
  const known = KNOWN_ERRORS[serialized.name];
  if (typeof known === 'function' && known.prototype instanceof Error) {
    Object.setPrototypeOf(error, known.prototype);
  }
  Object.defineProperty(error, 'name', {
    value: serialized.name,
    enumerable: false,
    configurable: true,
    writable: true,
  });
  Object.assign(error, serialized.fields);
  error.stack = `${serialized.stack ?? `${serialized.name}: ${serialized.message}`}\n    (answered by the data directory's writer process)`;
  return error;
}
