-- Worldkit PostgreSQL schema, version 2: the upgrade log of the versions slot.
-- One row per upgrade of one run. `upgradeRun` writes the row as `started` before it touches the
-- old run and replaces it with `completed` once the new run is queued, so the log is the
-- upgrade's idempotency key and must be as durable as the runs themselves.
-- The whole record is kept as Worldkit's tagged JSON; the columns beside it exist to filter and
-- order on (by old run, by new run, by either version; oldest first).

CREATE TABLE upgrades (
  upgrade_id     text PRIMARY KEY,
  seq            bigserial NOT NULL UNIQUE,
  run_id         text NOT NULL,
  new_run_id     text NOT NULL,
  from_version   text NOT NULL,
  to_version     text NOT NULL,
  status         text NOT NULL,
  created_at     timestamptz NOT NULL,
  record         jsonb NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1
);
CREATE INDEX upgrades_by_run ON upgrades (run_id, created_at, seq);
CREATE INDEX upgrades_by_new_run ON upgrades (new_run_id, created_at, seq);
CREATE INDEX upgrades_by_from_version ON upgrades (from_version, created_at, seq);
CREATE INDEX upgrades_by_to_version ON upgrades (to_version, created_at, seq);
