/** One Redis stream entry as ioredis' `*Buffer` commands return it. */
export type RawEntry = [id: Buffer, fields: Buffer[]];

export type StreamEntry =
  | { kind: 'chunk'; position: number; data: Uint8Array }
  | { kind: 'end'; position: number };

/**
 * `position` is the entry's sequence number (see stream-scripts.ts): a chunk at position p
 * has index p - 1, and "after position p" is the range `(0-p`.
 */
export function parseEntry([id, fields]: RawEntry): StreamEntry {
  const text = id.toString('latin1');
  const position = Number(text.slice(text.indexOf('-') + 1));
  if (fields[0]?.toString('latin1') === 'end') return { kind: 'end', position };
  // A copy, so a consumer keeping the chunk never pins ioredis' reply buffer.
  return { kind: 'chunk', position, data: new Uint8Array(fields[1] ?? Buffer.alloc(0)) };
}

/** What the last entry says about the stream as a whole. */
export interface StreamState {
  /** Chunks written so far. */
  chunkCount: number;
  done: boolean;
  /** Id of the last entry (`0-0` when the stream does not exist yet). */
  lastId: string;
}

export function stateOf(lastEntries: RawEntry[] | null): StreamState {
  const raw = lastEntries?.[0];
  if (!raw) return { chunkCount: 0, done: false, lastId: '0-0' };
  const last = parseEntry(raw);
  const lastId = raw[0].toString('latin1');
  return last.kind === 'end'
    ? { chunkCount: last.position - 1, done: true, lastId }
    : { chunkCount: last.position, done: false, lastId };
}
