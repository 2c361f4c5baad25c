import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@worldkit/core';
import { acquireShared } from '../process-registry.js';
import { DataDirLockedError } from './errors.js';
import {
  ForwardingClient,
  type Operation,
  serveForwardedWrites,
  socketPathFor,
  WriterMovedError,
} from './forwarding.js';
import {
  isAlive,
  type LockHolder,
  readLiveWriter,
  tryAcquireWriterLock,
  WRITER_LOCK_FILE,
} from './writer-lock.js';

/** The parts that keep state in a data directory; each attaches to the directory's session. */
export type PartName = 'storage' | 'queue' | 'streamer' | 'versions';

/** What a part gives its session so this process can become (and stop being) the writer. */
export interface WriterPart {
  /**
   * Switches the part from reading the files to owning them: catch up, cut a torn tail, open
   * for appending. Called with the writer lock held, before any local write.
   */
  becomeWriter(): Promise<void>;
  /**
   * Switches back to reading (a tool that stopped writing lets the app have the directory).
   * Must stop taking local writes synchronously, before its first await; the promise resolves
   * once what was accepted is written.
   */
  becomeReader(): Promise<void>;
  /** Writes other processes may send this one while it is the writer, by operation name. */
  operations: Record<string, Operation>;
}

/** Where a write goes: this process (the writer) or the writer process, over its socket. */
export type WriteRoute = { kind: 'local' } | { kind: 'forward'; client: ForwardingClient };

const LOCAL: WriteRoute = { kind: 'local' };
/** How long `claimWriter()` waits for a tool that is the writer to let go. */
const CLAIM_WAIT_MS = 10_000;
/** A tool (not the app) that has not written for this long gives the directory back. */
const TOOL_IDLE_MS = 1_000;

/**
 * One process's view of one data directory. Every process starts as a reader: it reads the
 * journals without a lock (following appends) and holds nothing a crash could leave behind.
 * The first write makes it the writer if no live process is (it takes `writer.lock`, brings
 * the part up to date and owns its file from then on, and serves a socket other processes
 * forward writes to); if a live writer exists, the write is forwarded to it instead.
 * `start()` (running the app: consuming the queue) requires being the writer, for good; a
 * tool that became the writer only to write gives the directory back once it is idle, so a
 * long-lived tool (the web UI) never keeps the app from starting.
 */
export class DataDirSession {
  private writer = false;
  /** Whether this process runs the app (every part writes) or is a tool writing one part. */
  private role: 'app' | 'tool' = 'tool';
  private readonly parts = new Map<PartName, WriterPart>();
  private readonly partsReady = new Map<PartName, Promise<void>>();
  private electing: Promise<WriteRoute> | undefined;
  private releasing: Promise<void> | undefined;
  private client: ForwardingClient | undefined;
  private releaseLock: (() => Promise<void>) | undefined;
  private stopServing: (() => Promise<void>) | undefined;
  private closed = false;
  private readonly token = randomUUID();
  /** Forwarded writes being applied here right now. */
  private applying = 0;
  private lastWriteAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly dataDir: string,
    private readonly logger: Logger,
  ) {}

  /** The session for `dataDir` in this process, shared by every part that uses it. */
  static acquire(
    dataDir: string,
    logger: Logger,
  ): { value: DataDirSession; release: () => Promise<void> } {
    return acquireShared(`data-dir-session:${dataDir}`, () => {
      const session = new DataDirSession(dataDir, logger);
      return { value: session, dispose: () => session.close() };
    });
  }

  /** Registers a part; in a process that runs the app, the part becomes a writer now. */
  attach(name: PartName, part: WriterPart): () => void {
    this.parts.set(name, part);
    if (this.writer && this.role === 'app') this.ready(name);
    return () => {
      if (this.parts.get(name) === part) {
        this.parts.delete(name);
        this.partsReady.delete(name);
      }
    };
  }

  /**
   * Runs one write of `part`: here (`local`) when this process writes the directory (or
   * becomes its writer now, nobody else being), else sent to the writer as `op(args)`.
   */
  async write<T>(part: PartName, op: string, args: unknown[], local: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const route = await this.routeAs(part, 'tool');
      if (route.kind === 'local') {
        this.noteLocalWrite();
        // Idle time counts from the end of the write: a slow one does not end the tenure.
        return local().finally(() => this.noteLocalWrite());
      }
      try {
        return (await route.client.call(op, args)) as T;
      } catch (error) {
        // The writer let go of the directory between our look and our write (nothing was
        // applied): look again, and write here or to whoever writes now.
        if (!WriterMovedError.is(error) || attempt === 3) throw error;
        if (this.client === route.client) this.client = undefined;
      }
    }
  }

  /** Called by parts on their fast path, so a tool does not give the directory back mid-work. */
  noteLocalWrite(): void {
    if (this.role === 'tool') this.lastWriteAt = Date.now();
  }

  /**
   * Makes this process the writer for good or throws `DataDirLockedError`: for `start()`,
   * which runs the app. A tool holding the lock (a command run while no app was up) gives it
   * back once idle, so that is waited for (up to 10 s).
   */
  async claimWriter(part: PartName): Promise<void> {
    const deadline = Date.now() + CLAIM_WAIT_MS;
    for (;;) {
      const route = await this.routeAs(part, 'app');
      if (route.kind === 'local') return;
      if (route.client.holderRole !== 'tool' || Date.now() > deadline) {
        throw new DataDirLockedError(
          this.dataDir,
          route.client.pid,
          path.join(this.dataDir, WRITER_LOCK_FILE),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Look again: the holder may have released the lock meanwhile.
      this.client?.close();
      this.client = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearIdleTimer();
    await this.electing?.catch(() => undefined);
    await this.releasing?.catch(() => undefined);
    this.client?.close();
    this.client = undefined;
    await this.stopServing?.();
    this.stopServing = undefined;
    this.writer = false;
    await this.releaseLock?.();
    this.releaseLock = undefined;
  }

  private async routeAs(part: PartName, role: 'app' | 'tool'): Promise<WriteRoute> {
    while (this.releasing) await this.releasing.catch(() => undefined);
    if (!this.writer) {
      if (this.client?.usable) return { kind: 'forward', client: this.client };
      const route = await this.elect(role);
      if (route.kind === 'forward') return route;
    }
    if (role === 'app' && this.role !== 'app') {
      // The app may have written before it started: from now on every part writes, for good.
      this.role = 'app';
      this.clearIdleTimer();
      for (const name of this.parts.keys()) this.ready(name);
    }
    await this.ready(part);
    return LOCAL;
  }

  private elect(role: 'app' | 'tool'): Promise<WriteRoute> {
    this.electing ??= this.runElection(role).finally(() => {
      this.electing = undefined;
    });
    return this.electing;
  }

  private async runElection(role: 'app' | 'tool'): Promise<WriteRoute> {
    if (this.closed) throw new Error('@worldkit/local: the data directory session is closed');
    if (this.writer) return LOCAL;
    await mkdir(this.dataDir, { recursive: true });
    const socket = socketPathFor(this.dataDir);
    const attempt = await tryAcquireWriterLock(
      this.dataDir,
      { pid: process.pid, socket, token: this.token, role },
      this.logger,
    );
    if (!attempt.acquired) return { kind: 'forward', client: this.clientFor(attempt.holder) };
    this.releaseLock = attempt.release;
    this.role = role;
    try {
      // The app owns every part from the start. A tool brings up only what it writes (a
      // `version promote` need not replay and compact the queue journal); another part takes
      // over on its first write, or when a forwarded write for it arrives.
      if (role === 'app') await Promise.all([...this.parts.keys()].map((name) => this.ready(name)));
    } catch (error) {
      // A part that cannot take over (a damaged journal) leaves the directory to others.
      this.partsReady.clear();
      this.releaseLock = undefined;
      await attempt.release();
      throw error;
    }
    this.writer = true;
    this.client?.close();
    this.client = undefined;
    try {
      this.stopServing = await serveForwardedWrites(
        socket,
        (op, args) => this.dispatch(op, args),
        this.logger,
      );
    } catch (error) {
      this.logger.warn('cannot accept writes from other processes on this data directory', {
        dataDir: this.dataDir,
        socket,
        error: String(error),
      });
    }
    if (role === 'tool') {
      this.lastWriteAt = Date.now();
      this.scheduleIdleCheck();
    }
    return LOCAL;
  }

  /** Brings `name` up as a writer once (this process holds the lock); resolves when it is. */
  private ready(name: PartName): Promise<void> {
    let ready = this.partsReady.get(name);
    const part = this.parts.get(name);
    if (!ready && part) {
      ready = part.becomeWriter();
      ready.catch(() => undefined);
      this.partsReady.set(name, ready);
    }
    return ready ?? Promise.resolve();
  }

  private scheduleIdleCheck(): void {
    this.clearIdleTimer();
    const due = this.lastWriteAt + TOOL_IDLE_MS - Date.now();
    this.idleTimer = setTimeout(() => this.giveBackIfIdle(), Math.max(due, 10));
    // An idle tool must be able to exit without waiting for this.
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** A tool that wrote nothing for a while gives the data directory back (reads go on). */
  private giveBackIfIdle(): void {
    this.idleTimer = undefined;
    if (!this.writer || this.role !== 'tool' || this.closed || this.releasing) return;
    if (this.applying > 0 || Date.now() - this.lastWriteAt < TOOL_IDLE_MS) {
      this.scheduleIdleCheck();
      return;
    }
    this.releasing = this.giveBack().finally(() => {
      this.releasing = undefined;
    });
    this.releasing.catch((error) =>
      this.logger.warn('could not give the data directory back', { error: String(error) }),
    );
  }

  private async giveBack(): Promise<void> {
    // Synchronously, in this turn: no part takes another local write, no forwarded write is
    // accepted (senders are told to look again), then what was accepted is written out.
    this.writer = false;
    const flushing = [...this.partsReady.keys()].map(
      (name) => this.parts.get(name)?.becomeReader() ?? Promise.resolve(),
    );
    this.partsReady.clear();
    const results = await Promise.allSettled(flushing);
    await this.stopServing?.();
    this.stopServing = undefined;
    await this.releaseLock?.();
    this.releaseLock = undefined;
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  private clientFor(holder: LockHolder): ForwardingClient {
    if (!holder.socket) {
      throw new DataDirLockedError(
        this.dataDir,
        holder.pid,
        path.join(this.dataDir, WRITER_LOCK_FILE),
        'runs an older @worldkit/local on it that does not accept writes from other processes',
      );
    }
    this.client?.close();
    this.client = new ForwardingClient(
      this.dataDir,
      holder.pid,
      holder.socket,
      async () => {
        const live = await readLiveWriter(this.dataDir);
        return live?.pid === holder.pid && live.token === holder.token && isAlive(holder.pid);
      },
      holder.role,
    );
    return this.client;
  }

  private async dispatch(op: string, args: unknown[]): Promise<unknown> {
    if (!this.writer) throw new WriterMovedError('this process no longer writes the directory');
    const partName = op.slice(0, op.indexOf('.')) as PartName;
    const part = this.parts.get(partName);
    const operation = part?.operations[op];
    if (!part || !operation) {
      throw new Error(
        `@worldkit/local: process ${process.pid} writes ${this.dataDir} but has no ${partName} ` +
          `part on it to apply "${op}"`,
      );
    }
    this.applying++;
    try {
      await this.ready(partName);
      return await operation(...args);
    } finally {
      this.applying--;
      this.noteLocalWrite();
    }
  }
}
