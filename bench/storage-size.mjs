/**
 * How many bytes a World's storage holds, so the benchmark can report bytes stored per step
 * (the difference before and after a workload, over the steps it ran). Each World file says
 * which of these applies by returning `storageBytes()` from `open()` (see world-catalog.mjs);
 * a World that keeps its state in memory has none, and its figure is "n/a".
 *
 * These are measured outside the counted windows: their own queries and Scans would
 * otherwise show up as the World's requests.
 */
import { realpathSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * On-disk size of every table in the database outside the system schemas, indexes and TOAST
 * included (`pg_total_relation_size`): the World's storage tables and, where it keeps one
 * there, its queue's. Pages are 8 KB, and deleted or updated rows keep their space until
 * VACUUM reuses it, so this is what the database really grew by, not the rows' logical size.
 */
export async function postgresTableBytes(connectionString) {
  const { Client } = requireFromPackage('@worldkit/postgres')('pg');
  const client = new Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query(`
      select coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'm')
        and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg_toast%'`);
    return Number(rows[0].bytes);
  } finally {
    await client.end();
  }
}

/** Sum of the apparent sizes of the files under `directory` (not disk blocks). */
export async function directoryBytes(directory) {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    try {
      total += (await stat(join(entry.parentPath ?? entry.path, entry.name))).size;
    } catch {
      // Removed between the listing and the stat (a temporary file being renamed).
    }
  }
  return total;
}

/**
 * Approximate size of every item in a DynamoDB table, from a full Scan: attribute names plus
 * values, sized as DynamoDB bills them (strings and binaries by their bytes, numbers about one
 * byte per two digits, maps and lists with their 3 bytes of overhead). DynamoDB Local keeps
 * no usable TableSizeBytes, so this counts what the items would weigh on AWS, without indexes.
 */
export async function dynamoDbTableBytes({ endpoint, region, table }) {
  const requireDynamo = requireFromPackage('@worldkit/dynamodb');
  const { DynamoDBClient, ScanCommand } = requireDynamo('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ endpoint, region });
  try {
    let total = 0;
    let startKey;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) total += mapBytes(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  } finally {
    client.destroy();
  }
}

function mapBytes(attributes) {
  let total = 0;
  for (const [name, value] of Object.entries(attributes)) {
    total += Buffer.byteLength(name) + valueBytes(value);
  }
  return total;
}

function valueBytes(value) {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  if (value.NS) return value.NS.reduce((sum, text) => sum + text.length / 2 + 1, 0);
  if (value.BS) return value.BS.reduce((sum, bytes) => sum + bytes.length, 0);
  if (value.M) return 3 + mapBytes(value.M);
  if (value.L) return 3 + value.L.reduce((sum, item) => sum + 1 + valueBytes(item), 0);
  return 0;
}

/** `require` as seen from a workspace package the bench depends on (pnpm keeps deps there). */
function requireFromPackage(name) {
  const directory = realpathSync(join(import.meta.dirname, 'node_modules', name));
  return createRequire(join(directory, 'package.json'));
}
