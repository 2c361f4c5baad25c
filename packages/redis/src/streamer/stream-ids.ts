/** Orders Redis stream ids (`<ms>-<seq>`) numerically, as Redis does. */
export function compareStreamIds(left: string, right: string): number {
  const [leftMs, leftSeq] = split(left);
  const [rightMs, rightSeq] = split(right);
  if (leftMs !== rightMs) return leftMs < rightMs ? -1 : 1;
  if (leftSeq !== rightSeq) return leftSeq < rightSeq ? -1 : 1;
  return 0;
}

function split(id: string): [bigint, bigint] {
  const dash = id.indexOf('-');
  return dash === -1 ? [BigInt(id), 0n] : [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))];
}
