/** A payload with everything a runtime message may carry that plain JSON would mangle. */
export function awkwardPayload() {
  return {
    runId: 'wrun_01HZZZCONFORMANCE',
    bytes: new Uint8Array([0, 1, 0, 255, 0, 128]),
    emptyBytes: new Uint8Array(0),
    requestedAt: new Date('2024-02-29T12:34:56.789Z'),
    text: 'a null \u0000 byte, an emoji 🚀, a "quote", a backslash \\ and a\nnewline',
    nested: { list: [1, 'two', null, { deep: true, at: new Date(0) }], empty: {} },
  };
}
