/**
 * `getStreamChunks` cursors: the index of the next chunk, base64url-wrapped so callers treat
 * it as opaque. Chunk indexes never shift (streams are append-only), so a cursor stays valid.
 */
const PREFIX = 'wkc1:';

export function encodeChunkCursor(nextIndex: number): string {
  return Buffer.from(`${PREFIX}${nextIndex}`).toString('base64url');
}

export function decodeChunkCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const index = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new Error(
      `@worldkit/redis: invalid stream cursor "${cursor}"; pass back a cursor from getStreamChunks`,
    );
  }
  return index;
}
