-- Worldkit PostgreSQL schema, version 5: claims, "first claim wins" records shared by every
-- process on the database. The HTTP receiver claims each delivery it accepts
-- (`delivery:<message id>#<attempt>`) until the delivery's timestamp can no longer pass the
-- signature check, so a captured request replayed to another app instance, or after a restart,
-- is refused. Rows past `expires_at` are dead: a new claim of the key takes the row over, and the
-- claiming processes delete them in batches (the index serves that delete). IF NOT EXISTS keeps
-- the file safe to run twice.

CREATE TABLE IF NOT EXISTS claims (
  claim_key      text PRIMARY KEY,
  expires_at     timestamptz NOT NULL,
  schema_version smallint NOT NULL DEFAULT 1
);

CREATE INDEX IF NOT EXISTS claims_by_expiry ON claims (expires_at);
