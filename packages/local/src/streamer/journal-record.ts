import { crc32 } from 'node:zlib';

/**
 * One entry of the stream journal. Records are framed as
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = u8 kind | u16 nameLength | name | u16 runIdLength | runId | payload
 *
 * The checksum lets a reopen tell a record torn by a crash mid-append from a complete one.
 */
export type JournalRecord =
  | { kind: 'chunk'; name: string; runId: string; payload: Uint8Array }
  | { kind: 'close'; name: string; runId: string };

const KIND_CODES = { chunk: 1, close: 2 } as const;
export const RECORD_HEADER_BYTES = 8;
const MAX_KEY_BYTES = 0xffff;

export function encodeRecord(record: JournalRecord): {
  bytes: Buffer;
  /** Where the payload starts inside `bytes`, so readers can fetch it by offset later. */
  payloadOffset: number;
} {
  const name = Buffer.from(record.name, 'utf8');
  const runId = Buffer.from(record.runId, 'utf8');
  if (name.length > MAX_KEY_BYTES || runId.length > MAX_KEY_BYTES) {
    throw new Error('stream name and run id must each fit in 65535 bytes');
  }
  const payload = record.kind === 'chunk' ? record.payload : new Uint8Array(0);
  const bodyLength = 1 + 2 + name.length + 2 + runId.length + payload.byteLength;
  const bytes = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyLength);
  let at = RECORD_HEADER_BYTES;
  at = bytes.writeUInt8(KIND_CODES[record.kind], at);
  at = bytes.writeUInt16BE(name.length, at);
  at += name.copy(bytes, at);
  at = bytes.writeUInt16BE(runId.length, at);
  at += runId.copy(bytes, at);
  const payloadOffset = at;
  bytes.set(payload, at);
  bytes.writeUInt32BE(bodyLength, 0);
  bytes.writeUInt32BE(crc32(bytes.subarray(RECORD_HEADER_BYTES)), 4);
  return { bytes, payloadOffset };
}

export type DecodeResult =
  /** A whole record; `payloadStart`/`payloadLength` locate its payload inside `buffer`. */
  | {
      type: 'record';
      kind: JournalRecord['kind'];
      name: string;
      runId: string;
      payloadStart: number;
      payloadLength: number;
      totalLength: number;
    }
  /** `buffer` ends before the record does; read more (or, at end of file, it is torn). */
  | { type: 'incomplete' }
  | { type: 'corrupt'; reason: string };

/** Decodes the record starting at `start` in `buffer` without copying its payload. */
export function decodeRecord(buffer: Buffer, start: number): DecodeResult {
  if (buffer.length - start < RECORD_HEADER_BYTES) return { type: 'incomplete' };
  const bodyLength = buffer.readUInt32BE(start);
  const checksum = buffer.readUInt32BE(start + 4);
  const bodyStart = start + RECORD_HEADER_BYTES;
  if (buffer.length - bodyStart < bodyLength) return { type: 'incomplete' };
  const body = buffer.subarray(bodyStart, bodyStart + bodyLength);
  if (crc32(body) !== checksum) return { type: 'corrupt', reason: 'checksum mismatch' };
  const kindCode = body.readUInt8(0);
  const kind =
    kindCode === KIND_CODES.chunk ? 'chunk' : kindCode === KIND_CODES.close ? 'close' : null;
  if (!kind) return { type: 'corrupt', reason: `unknown record kind ${kindCode}` };
  let at = 1;
  const nameLength = body.readUInt16BE(at);
  at += 2;
  const name = body.toString('utf8', at, at + nameLength);
  at += nameLength;
  const runIdLength = body.readUInt16BE(at);
  at += 2;
  const runId = body.toString('utf8', at, at + runIdLength);
  at += runIdLength;
  if (at > bodyLength) return { type: 'corrupt', reason: 'key lengths exceed the record' };
  return {
    type: 'record',
    kind,
    name,
    runId,
    payloadStart: bodyStart + at,
    payloadLength: bodyLength - at,
    totalLength: RECORD_HEADER_BYTES + bodyLength,
  };
}
