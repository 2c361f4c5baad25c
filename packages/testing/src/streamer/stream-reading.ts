import type { StreamChunk } from '@workflow/world';
import type { StreamerUnderTest } from './conformance-options.js';

/** How long a read that should finish may take before the test fails with a clear message. */
const SETTLE_MS = 5_000;
/** How long a live reader is watched to show it is still waiting (not ended, not delivering). */
export const QUIET_MS = 60;

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

export async function within<T>(promise: Promise<T>, what: string, ms = SETTLE_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a stream to its end; fails instead of hanging when the stream never ends. */
export async function readToEnd(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await within(reader.read(), 'the stream to deliver or end');
      if (done) return chunks;
      if (!(value instanceof Uint8Array)) {
        throw new Error(`readFromStream delivered ${typeof value}, expected Uint8Array chunks`);
      }
      chunks.push(value);
    }
  } catch (error) {
    // Stop the reader (and any polling behind it) rather than leave it running after a failure.
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/** Concatenates chunks: readers may legitimately split or merge chunk boundaries. */
export function joinBytes(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.byteLength;
  }
  return joined;
}

export async function readText(
  streamer: StreamerUnderTest,
  name: string,
  startIndex?: number,
): Promise<string> {
  return decode(joinBytes(await readToEnd(await streamer.readFromStream(name, startIndex))));
}

/**
 * Reads from a live reader until the received bytes decode to `expected`. Live readers may
 * deliver several writes as one chunk, so the check is on bytes, not on chunk count.
 */
export async function readUntilText(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  expected: string,
): Promise<void> {
  const received: Uint8Array[] = [];
  while (decode(joinBytes(received)) !== expected) {
    const { done, value } = await within(reader.read(), `live chunks spelling "${expected}"`);
    if (done) {
      throw new Error(
        `stream ended after "${decode(joinBytes(received))}", expected "${expected}"`,
      );
    }
    received.push(value);
    if (decode(joinBytes(received)).length > expected.length) {
      throw new Error(`received "${decode(joinBytes(received))}", expected "${expected}"`);
    }
  }
}

/** Resolves to `'waiting'` if the reader neither delivers nor ends within QUIET_MS. */
export async function stillWaiting(
  pendingRead: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<'waiting' | ReadableStreamReadResult<Uint8Array>> {
  return Promise.race([
    pendingRead,
    new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), QUIET_MS)),
  ]);
}

/** Follows `getStreamChunks` cursors to the last page, returning every page. */
export async function allChunkPages(
  streamer: StreamerUnderTest,
  name: string,
  runId: string,
  limit: number,
): Promise<Array<{ data: StreamChunk[]; hasMore: boolean; done: boolean; cursor: string | null }>> {
  const pages = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await streamer.getStreamChunks(name, runId, { limit, cursor });
    pages.push(page);
    if (!page.hasMore) return pages;
    if (!page.cursor) throw new Error('getStreamChunks returned hasMore without a cursor');
    cursor = page.cursor;
  }
  throw new Error('getStreamChunks kept returning hasMore after 1000 pages');
}

/** Writes chunks in order, batched through writeToStreamMulti when the streamer has it. */
export async function writeAll(
  streamer: StreamerUnderTest,
  name: string,
  runId: string,
  chunks: Array<string | Uint8Array>,
): Promise<void> {
  if (streamer.writeToStreamMulti) {
    for (let at = 0; at < chunks.length; at += 200) {
      await streamer.writeToStreamMulti(name, runId, chunks.slice(at, at + 200));
    }
    return;
  }
  for (const chunk of chunks) await streamer.writeToStream(name, runId, chunk);
}
