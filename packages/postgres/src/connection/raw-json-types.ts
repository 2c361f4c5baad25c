import pg from 'pg';
import { statementName } from './prepared-statements.js';

const JSON_OID = 114;
const JSONB_OID = 3802;

/**
 * Query-level type parsers that leave `json`/`jsonb` as text, so `fromStoredJson` can revive
 * tagged bytes and dates (pg's default parser would hand back plain objects). Passed per query
 * rather than per pool, because a user-supplied pool keeps its own parsers.
 */
export const rawJsonTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === JSON_OID || oid === JSONB_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** A query that reads JSON columns as text, sent as a prepared statement (`prepared-statements.ts`). */
export function query<R extends pg.QueryResultRow>(
  client: pg.Pool | pg.PoolClient,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const name = statementName(client, text);
  return client.query<R>({ ...(name ? { name } : {}), text, values, types: rawJsonTypes });
}
