import { WorldkitError } from '@worldkit/provider';
/** Thrown when a request body is larger than the reader allows. */
export class BodyTooLargeError extends WorldkitError {
  static override readonly code = 'WORLDKIT_HTTP_BODY_TOO_LARGE';
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limitBytes: number) {
    super(BodyTooLargeError.code, `the body is larger than ${limitBytes} bytes`);
  }
}

/**
 * Reads a request body, refusing it as soon as it passes `limitBytes`: from its declared
 * `content-length` before reading anything, otherwise while it streams in (a chunked body
 * declares nothing). Nothing past the limit is buffered.
 */
export async function readBoundedBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limitBytes) {
    await request.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limitBytes);
  }
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
