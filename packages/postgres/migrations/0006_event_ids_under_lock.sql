-- Worldkit PostgreSQL schema, version 6: event ids issued under the run lock.
-- An event write is one statement that locks the run row, checks the facts its plan was decided
-- on and applies it. Its ids are proposed by the writer before it waits for the lock, so two
-- writers of one run could commit in the opposite order of their ids; the runtime's stale-replay
-- snapshot (the time of the last event in log order) could then stay older than the run's guard
-- marker forever. runs.last_event_id holds the run's newest event id; under the lock,
-- worldkit_event_ids() keeps each proposed id that sorts after it and replaces one that does not
-- with the next id after it (same ULID time, randomness + 1), so ids sort in commit order.
-- worldkit_event_time() is the ULID time of an id (what the guard marker stores).
-- Existing runs start with NULL (any proposed id is taken, as before). IF NOT EXISTS / OR REPLACE
-- keep the file safe to run twice; a column without default is a catalog-only change.

ALTER TABLE runs ADD COLUMN IF NOT EXISTS last_event_id text;

CREATE OR REPLACE FUNCTION worldkit_event_ids(previous text, proposed text[])
RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  issued text[] := '{}';
  candidate text;
  body text;
  position_in_alphabet int;
  i int;
BEGIN
  FOREACH candidate IN ARRAY proposed LOOP
    IF previous IS NOT NULL AND candidate <= previous THEN
      -- The successor of previous: its last 26 characters are a ULID, counted up by one.
      body := right(previous, 26);
      FOR i IN REVERSE 26..11 LOOP
        position_in_alphabet := strpos(alphabet, substr(body, i, 1));
        IF position_in_alphabet < 32 THEN
          body := overlay(body PLACING substr(alphabet, position_in_alphabet + 1, 1) FROM i FOR 1);
          EXIT;
        END IF;
        IF i = 11 THEN
          RAISE EXCEPTION 'event id % has no successor within its millisecond', previous;
        END IF;
        body := overlay(body PLACING '0' FROM i FOR 1);
      END LOOP;
      candidate := left(previous, length(previous) - 26) || body;
    END IF;
    issued := issued || candidate;
    previous := candidate;
  END LOOP;
  RETURN issued;
END
$$;

CREATE OR REPLACE FUNCTION worldkit_event_time(event_id text)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sum((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(right(event_id, 26), i, 1)) - 1)::bigint
             << (5 * (10 - i)))::bigint
  FROM generate_series(1, 10) AS i
$$;
