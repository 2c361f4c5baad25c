-- Worldkit PostgreSQL schema, version 1.
-- Runs inside the configured schema (migrate() sets search_path), so no name here is qualified.
-- Plain SQL only: no extensions, works on Amazon RDS and Aurora PostgreSQL 12+.
-- Payload columns hold Worldkit's tagged JSON (bytes as base64, dates as ISO strings); every row
-- carries schema_version so later releases can read rows written by this one.

CREATE TABLE runs (
  run_id            text PRIMARY KEY,
  seq               bigserial NOT NULL UNIQUE,
  deployment_id     text NOT NULL,
  workflow_name     text NOT NULL,
  status            text NOT NULL,
  spec_version      integer,
  execution_context jsonb,
  input             jsonb,
  output            jsonb,
  error             jsonb,
  expired_at        timestamptz,
  started_at        timestamptz,
  completed_at      timestamptz,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  schema_version    smallint NOT NULL DEFAULT 1
);
CREATE INDEX runs_by_workflow ON runs (workflow_name, seq);
CREATE INDEX runs_by_status ON runs (status, seq);

CREATE TABLE steps (
  run_id         text NOT NULL,
  step_id        text NOT NULL,
  seq            bigserial NOT NULL UNIQUE,
  step_name      text NOT NULL,
  status         text NOT NULL,
  attempt        integer NOT NULL DEFAULT 0,
  input          jsonb,
  output         jsonb,
  error          jsonb,
  started_at     timestamptz,
  completed_at   timestamptz,
  retry_after    timestamptz,
  spec_version   integer,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, step_id)
);
CREATE INDEX steps_by_run ON steps (run_id, seq);
CREATE INDEX steps_by_step_id ON steps (step_id);

-- The event log. seq is the commit order within a run (writers of one run serialize on its
-- row lock), event_id a monotonic ULID; lists page on seq.
CREATE TABLE events (
  event_id       text PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  run_id         text NOT NULL,
  event_type     text NOT NULL,
  correlation_id text,
  event_data     jsonb,
  spec_version   integer,
  created_at     timestamptz NOT NULL,
  occurred_at    timestamptz,
  schema_version smallint NOT NULL DEFAULT 1
);
CREATE INDEX events_by_run ON events (run_id, seq);
CREATE INDEX events_by_correlation ON events (correlation_id, seq);

-- Live hooks only: disposal and run endings delete rows, so the unique token index means
-- "unique among live hooks".
CREATE TABLE hooks (
  hook_id        text PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  run_id         text NOT NULL,
  token          text NOT NULL UNIQUE,
  metadata       jsonb,
  is_webhook     boolean NOT NULL DEFAULT false,
  spec_version   integer,
  created_at     timestamptz NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1
);
CREATE INDEX hooks_by_run ON hooks (run_id, seq);

CREATE TABLE waits (
  run_id         text NOT NULL,
  wait_id        text NOT NULL,
  status         text NOT NULL,
  resume_at      timestamptz,
  completed_at   timestamptz,
  spec_version   integer,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1,
  PRIMARY KEY (run_id, wait_id)
);

-- Version records (Worldkit's versions slot) and the pointer to the promoted one.
CREATE TABLE versions (
  version_id     text PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  record         jsonb NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1
);
CREATE TABLE current_version (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version_id text NOT NULL REFERENCES versions (version_id),
  schema_version smallint NOT NULL DEFAULT 1
);

-- Streams: one row per stream (chunk count and closed flag), one row per chunk.
CREATE TABLE streams (
  stream_name    text PRIMARY KEY,
  run_id         text,
  chunk_count    integer NOT NULL DEFAULT 0,
  done           boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  schema_version smallint NOT NULL DEFAULT 1
);
CREATE INDEX streams_by_run ON streams (run_id, created_at);
CREATE TABLE stream_chunks (
  stream_name text NOT NULL,
  chunk_index integer NOT NULL,
  data        bytea NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1,
  PRIMARY KEY (stream_name, chunk_index)
);

-- Queue: a message is due when run_at has passed. Claiming pushes run_at forward by the
-- visibility timeout and stamps lease_token, so a crashed worker's messages come back.
CREATE TABLE queue_messages (
  message_id     text PRIMARY KEY,
  queue_name     text NOT NULL,
  -- The version whose code must handle the message (kept for inspection and drain reports).
  deployment_id  text NOT NULL,
  envelope       text NOT NULL,
  run_at         timestamptz NOT NULL,
  lease_token    text,
  deliveries     integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  schema_version smallint NOT NULL DEFAULT 1
);
CREATE INDEX queue_messages_due ON queue_messages (run_at);

-- Idempotency keys held while their message is pending and for a retention window after it
-- was acknowledged (settled_at); the primary key makes a second send lose.
CREATE TABLE queue_idempotency_keys (
  idempotency_key text PRIMARY KEY,
  message_id      text NOT NULL,
  settled_at      timestamptz,
  schema_version  smallint NOT NULL DEFAULT 1
);
CREATE INDEX queue_idempotency_keys_settled ON queue_idempotency_keys (settled_at)
  WHERE settled_at IS NOT NULL;

CREATE TABLE queue_dead_letters (
  seq            bigserial PRIMARY KEY,
  message_id     text NOT NULL,
  envelope       text NOT NULL,
  reason         text NOT NULL,
  dead_at        timestamptz NOT NULL DEFAULT now(),
  schema_version smallint NOT NULL DEFAULT 1
);
