-- Worldkit PostgreSQL schema, version 4: an index for the upgrade log's token aliases.
-- An upgrade that re-keys hook tokens the runtime generated stores `old → new` pairs in the
-- record's `tokenAliases`; the World looks an old token up (`findByToken`) whenever no live hook
-- holds a token, which anyone can cause by presenting an unknown one — so the lookup must not
-- scan the log. jsonb_path_ops serves the `@>` containment the lookup uses. IF NOT EXISTS keeps
-- the file safe to run twice; no row changes, so schema_version stays 1.

CREATE INDEX IF NOT EXISTS upgrades_by_token_alias
  ON upgrades USING gin ((record -> 'tokenAliases') jsonb_path_ops);
