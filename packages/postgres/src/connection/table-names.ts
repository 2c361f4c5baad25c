/** Schema-qualified, quoted table names for one configured schema. */
export interface TableNames {
  schema: string;
  runs: string;
  steps: string;
  events: string;
  hooks: string;
  waits: string;
  versions: string;
  currentVersion: string;
  streams: string;
  streamChunks: string;
  queueMessages: string;
  queueIdempotencyKeys: string;
  queueDeadLetters: string;
  schemaMigrations: string;
  /** `worldkit_event_ids(previous, proposed)`: event ids that sort after the run's newest (0006). */
  eventIdsFunction: string;
  /** `worldkit_event_time(id)`: the ULID time of an event id, in epoch ms (0006). */
  eventTimeFunction: string;
}

/** Quotes an identifier for SQL text; the schema name is already validated, this is belt and braces. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function tableNames(schema: string): TableNames {
  const q = (table: string) => `${quoteIdentifier(schema)}.${table}`;
  return {
    schema,
    runs: q('runs'),
    steps: q('steps'),
    events: q('events'),
    hooks: q('hooks'),
    waits: q('waits'),
    versions: q('versions'),
    currentVersion: q('current_version'),
    streams: q('streams'),
    streamChunks: q('stream_chunks'),
    queueMessages: q('queue_messages'),
    queueIdempotencyKeys: q('queue_idempotency_keys'),
    queueDeadLetters: q('queue_dead_letters'),
    schemaMigrations: q('schema_migrations'),
    eventIdsFunction: q('worldkit_event_ids'),
    eventTimeFunction: q('worldkit_event_time'),
  };
}

/** NOTIFY channel names are identifiers too: one per schema and purpose. */
export function notifyChannel(schema: string, purpose: 'streams' | 'queue'): string {
  return `worldkit_${purpose}_${schema}`;
}
