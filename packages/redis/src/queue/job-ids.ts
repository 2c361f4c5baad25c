/**
 * BullMQ job ids for envelopes. Each delivery of a message is its own job, named
 * `<messageId>.<attempt>`, so the id of the next job is a function of the current one:
 * if a worker dies after storing a redelivery but before completing the job that produced
 * it, the job is handed out again and its second redelivery is deduplicated by BullMQ
 * instead of forking the message into two chains.
 *
 * A chained delay (a wait longer than one hop) redelivers the same attempt; those hops are
 * numbered `<messageId>.<attempt>.h<n>`.
 */

// BullMQ refuses custom ids with ':' (its key separator).
const forJobId = (text: string) => text.replaceAll(':', '_');

interface EnvelopeIdentity {
  messageId: string;
  attempt: number;
}

function identityOf(envelope: unknown): EnvelopeIdentity | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const { messageId, attempt } = envelope as Record<string, unknown>;
  if (typeof messageId !== 'string' || messageId === '') return undefined;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt)) return undefined;
  return { messageId, attempt };
}

/** Id of the job that stores a freshly sent envelope; `undefined` lets BullMQ pick one. */
export function jobIdForSend(envelope: unknown): string | undefined {
  const identity = identityOf(envelope);
  return identity && `${forJobId(identity.messageId)}.${identity.attempt}`;
}

/** Id of the job that stores `next`, the redelivery of the job `currentJobId`. */
export function jobIdForRedelivery(
  currentJobId: string | undefined,
  next: unknown,
): string | undefined {
  const base = jobIdForSend(next);
  if (base === undefined || currentJobId === undefined) return base;
  if (currentJobId === base) return `${base}.h1`;
  const hop = currentJobId.startsWith(`${base}.h`)
    ? Number(currentJobId.slice(base.length + 2))
    : Number.NaN;
  return Number.isInteger(hop) ? `${base}.h${hop + 1}` : base;
}
