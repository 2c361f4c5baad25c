-- Worldkit PostgreSQL schema, version 3: the per-run marker of the `stateUpdatedAt` guard.
-- external_update_at is the ULID time (epoch ms) of the run's newest step_completed or
-- hook_received written without `stateUpdatedAt` (a step worker or a hook delivery, not a replay).
-- A create carrying an older `stateUpdatedAt` is refused with 412 (PreconditionFailedError).
-- Existing runs start at 0, which refuses nothing: the guard opens until their next external
-- event, exactly as before this migration (which event types were replay-origin is not stored,
-- so no backfill could be exact). The row format of existing columns is unchanged, so
-- schema_version stays 1. IF NOT EXISTS keeps the file safe to run twice; a constant default
-- is a catalog-only change on PostgreSQL 11+, so large runs tables are not rewritten.

ALTER TABLE runs ADD COLUMN IF NOT EXISTS external_update_at bigint NOT NULL DEFAULT 0;
