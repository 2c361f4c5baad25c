import { WorldkitError } from '@worldkit/provider';
/**
 * The queue journal is JSON Lines, one record per line, replayed in order on open. Records
 * name messages by the queue's own id (`id`), never by the envelope's `messageId`: the
 * transport must also carry malformed envelopes to the receiver so it can dead-letter them.
 */
export const JOURNAL_FORMAT = 1;

export type JournalRecord =
  /** First line of every journal file; lets a newer release read or refuse older files. */
  | { t: 'journal'; format: number; at: number }
  | { t: 'sent'; id: string; at: number; due: number; e: unknown }
  | { t: 'redelivered'; id: string; at: number; due: number; e: unknown }
  | { t: 'acked'; id: string; at: number }
  | { t: 'dead-lettered'; id: string; at: number; reason: string; e: unknown }
  /** Written only by compaction: an acknowledged message's idempotency key, still in its window. */
  | { t: 'key'; k: string; at: number };

export interface DeadLetter {
  envelope: unknown;
  reason: string;
  at: number;
}

/** What a journal describes once replayed. */
export interface JournalState {
  /** Pending messages (including ones that were in flight when the process stopped). */
  messages: Map<string, { envelope: unknown; dueAt: number }>;
  deadLetters: Map<string, DeadLetter>;
  /** Idempotency keys of acknowledged messages → when they were acknowledged. */
  settledKeys: Map<string, number>;
  records: number;
  /** Lines that could not be understood (logged and ignored). */
  skipped: number;
}

/** A queue journal line this release cannot read. */
export class JournalFormatError extends WorldkitError {
  static override readonly code = 'WORLDKIT_LOCAL_JOURNAL_FORMAT';
  override readonly name = 'JournalFormatError';
  constructor(message: string) {
    super(JournalFormatError.code, message);
  }
}

export function idempotencyKeyOf(envelope: unknown): string | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const key = (envelope as { idempotencyKey?: unknown }).idempotencyKey;
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

export function emptyJournalState(): JournalState {
  return {
    messages: new Map(),
    deadLetters: new Map(),
    settledKeys: new Map(),
    records: 0,
    skipped: 0,
  };
}

/**
 * Rebuilds queue state from journal lines. Applying a record is idempotent (a record for a
 * message that is already gone is ignored or re-applied harmlessly), because online
 * compaction may write a snapshot that already contains the effect of records appended
 * right after it.
 */
export function replayJournal(
  lines: Iterable<string>,
  onSkip: (line: number, reason: string) => void,
): JournalState {
  const state = emptyJournalState();
  let lineNumber = 0;
  for (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let record: JournalRecord;
    try {
      record = JSON.parse(line);
    } catch {
      state.skipped++;
      onSkip(lineNumber, 'not JSON');
      continue;
    }
    state.records++;
    applyRecord(state, record, (reason) => {
      state.skipped++;
      onSkip(lineNumber, reason);
    });
  }
  return state;
}

function applyRecord(state: JournalState, record: JournalRecord, skip: (reason: string) => void) {
  switch (record?.t) {
    case 'journal':
      if (typeof record.format !== 'number' || record.format > JOURNAL_FORMAT) {
        throw new JournalFormatError(
          `queue journal format ${String(record.format)} is newer than this @worldkit/local supports (${JOURNAL_FORMAT}); upgrade @worldkit/local to read it`,
        );
      }
      return;
    case 'sent':
    case 'redelivered':
      state.messages.set(record.id, { envelope: record.e, dueAt: record.due });
      return;
    case 'acked': {
      const key = idempotencyKeyOf(state.messages.get(record.id)?.envelope);
      state.messages.delete(record.id);
      if (key) {
        state.settledKeys.delete(key);
        state.settledKeys.set(key, record.at);
      }
      return;
    }
    case 'dead-lettered': {
      const key = idempotencyKeyOf(state.messages.get(record.id)?.envelope ?? record.e);
      state.messages.delete(record.id);
      if (key) state.settledKeys.delete(key);
      state.deadLetters.set(record.id, {
        envelope: record.e,
        reason: record.reason,
        at: record.at,
      });
      return;
    }
    case 'key':
      state.settledKeys.delete(record.k);
      state.settledKeys.set(record.k, record.at);
      return;
    default:
      skip(`unknown record type ${JSON.stringify((record as { t?: unknown })?.t)}`);
  }
}
