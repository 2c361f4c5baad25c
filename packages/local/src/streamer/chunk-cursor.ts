/**
 * `getStreamChunks` cursors: opaque to callers, but just the next chunk index underneath.
 * Chunks are never removed, so an index stays valid for as long as the stream exists.
 */
export function encodeChunkCursor(nextIndex: number): string {
  return Buffer.from(JSON.stringify({ i: nextIndex })).toString('base64url');
}

export function decodeChunkCursor(cursor: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const next = (parsed as { i?: unknown } | null)?.i;
    if (typeof next === 'number' && Number.isInteger(next) && next >= 0) return next;
  } catch {
    // Falls through to the error below: a cursor this streamer did not issue.
  }
  throw new TypeError(`invalid stream chunk cursor ${JSON.stringify(cursor)}`);
}
