import { decodeTaggedJson, encodeTaggedJson, NOT_A_TAG, type TagReader } from '@worldkit/provider';
import { ulid } from 'ulid';

/**
 * Worldkit's stored JSON for DynamoDB: every payload field (run input, step output, event data
 * …) is one JSON string attribute holding Worldkit's tagged JSON (`@worldkit/provider`: dates,
 * bytes, and user objects shaped like tags escaped, so every value round-trips exactly). NULs
 * and lone surrogates survive because `JSON.stringify` escapes them.
 *
 * What is DynamoDB's own: an item may not exceed 400 KB, so large values move out of the entity
 * into blob chunk items (see `blob-items.ts`): a `Uint8Array` of at least `EXTERNAL_BYTES` is
 * stored once as a blob and referenced as `{"$wk:blob": id}`, and a field whose JSON still
 * exceeds `INLINE_LIMIT` is stored as a blob of its JSON text, the field holding
 * `{"$wk:blobjson": id}`. The run item, its event and the step all reference the same blob when
 * the runtime hands them the same bytes (step output = step_completed result).
 */
const BLOB_TAG = '$wk:blob';
const BLOB_JSON_TAG = '$wk:blobjson';
/** Blob ids as `BlobPlan` makes them; any other content is a user's plain object, not a reference. */
const BLOB_ID = /^blob_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Byte arrays at least this large are stored as blobs, not inline base64. */
export const EXTERNAL_BYTES = 16 * 1024;
/** Largest inline JSON per field; an item holds at most four payload fields (≤ 256 KB). */
export const INLINE_LIMIT = 64 * 1024;

/** Blobs a write needs, deduplicated by identity so one payload is stored once per write. */
export class BlobPlan {
  private readonly ids = new Map<Uint8Array, string>();
  readonly blobs: Array<{ id: string; bytes: Uint8Array }> = [];

  add(bytes: Uint8Array): string {
    const known = this.ids.get(bytes);
    if (known) return known;
    const id = `blob_${ulid()}`;
    this.ids.set(bytes, id);
    this.blobs.push({ id, bytes });
    return id;
  }

  get totalBytes(): number {
    return this.blobs.reduce((sum, blob) => sum + blob.bytes.byteLength, 0);
  }
}

/** Encodes a value for a string attribute; `undefined` stays `undefined` (attribute omitted). */
export function encodeValue(value: unknown, blobs: BlobPlan): string | undefined {
  if (value === undefined) return undefined;
  const json = encodeTaggedJson(value, {
    bytes: (bytes) =>
      bytes.byteLength >= EXTERNAL_BYTES ? { [BLOB_TAG]: blobs.add(bytes) } : undefined,
  });
  if (json === undefined || json.length <= INLINE_LIMIT) return json;
  return JSON.stringify({ [BLOB_JSON_TAG]: blobs.add(Buffer.from(json, 'utf8')) });
}

/** Stands in for blob content until it is loaded. */
class BlobReference {
  constructor(
    readonly id: string,
    readonly json: boolean,
  ) {}
}

export type LoadBlob = (id: string) => Promise<Uint8Array>;

const blobReference: TagReader = (content) =>
  typeof content === 'string' && BLOB_ID.test(content)
    ? new BlobReference(content, false)
    : NOT_A_TAG;

/** A whole-field blob is only ever written as the whole field. */
const blobJsonReference: TagReader = (content, { root }) =>
  root && typeof content === 'string' && BLOB_ID.test(content)
    ? new BlobReference(content, true)
    : NOT_A_TAG;

const DYNAMODB_JSON = { tags: { [BLOB_TAG]: blobReference, [BLOB_JSON_TAG]: blobJsonReference } };

/** Parses a stored value; blob references stay unresolved (see `resolveBlobs`). */
export function parseStored(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  return decodeTaggedJson(text, DYNAMODB_JSON);
}

/** Replaces every blob reference in a parsed value with its content. */
export async function resolveBlobs(value: unknown, load: LoadBlob): Promise<unknown> {
  if (value instanceof BlobReference) {
    const bytes = await load(value.id);
    if (!value.json) return bytes;
    return resolveBlobs(parseStored(Buffer.from(bytes).toString('utf8')), load);
  }
  if (Array.isArray(value)) {
    return Promise.all(value.map((entry) => resolveBlobs(entry, load)));
  }
  // The prototype, not `constructor`: a user object may have a member named "constructor".
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, entry]) => [key, await resolveBlobs(entry, load)]),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** Only a whole-field JSON blob must be loaded before its fields can be inspected or stripped. */
export async function resolveOuterBlob(value: unknown, load: LoadBlob): Promise<unknown> {
  if (value instanceof BlobReference && value.json) {
    return resolveOuterBlob(parseStored(Buffer.from(await load(value.id)).toString('utf8')), load);
  }
  return value;
}

export async function decodeValue(text: string | undefined, load: LoadBlob): Promise<unknown> {
  return resolveBlobs(parseStored(text), load);
}
