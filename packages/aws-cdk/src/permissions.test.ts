import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABLE_READ_WRITE_ACTIONS, TABLE_VERSION_READ_ACTIONS } from './permissions.js';

const DYNAMODB_SOURCE = fileURLToPath(new URL('../../dynamodb/src', import.meta.url));

/** The IAM action each lib-dynamodb / client-dynamodb command is authorised as. */
const COMMAND_ACTIONS: Record<string, string | null> = {
  GetCommand: 'dynamodb:GetItem',
  QueryCommand: 'dynamodb:Query',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  // Authorised item by item (see TRANSACT_ITEM_ACTIONS), not as a whole.
  TransactWriteCommand: null,
  TransactGetCommand: null,
};

/** The items inside TransactWriteItems / TransactGetItems, each authorised with its own action. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

/**
 * Files the app's role never runs: tests, their helpers, and table setup (CreateTable,
 * UpdateTable, DescribeTable), which only runs with `autoSetup` on; the stacks switch it off
 * (`WORLDKIT_DYNAMODB_AUTO_SETUP=false`) because CloudFormation owns the table.
 */
const notRunByTheApp = (path: string) =>
  path.endsWith('.test.ts') ||
  path.startsWith('test-support/') ||
  path === 'connection/setup-table.ts';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The IAM actions `@worldkit/dynamodb`'s code needs, read from its sources. */
function actionsTheProviderCalls(): { actions: Set<string>; unknown: string[]; files: number } {
  const actions = new Set<string>();
  const unknown: string[] = [];
  const files = sourceFiles(DYNAMODB_SOURCE).filter(
    (file) => !notRunByTheApp(relative(DYNAMODB_SOURCE, file).split('\\').join('/')),
  );
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [, command] of text.matchAll(/new (\w+Command)\(/g)) {
      if (!(command! in COMMAND_ACTIONS)) unknown.push(`${command} in ${file}`);
      const action = COMMAND_ACTIONS[command!];
      if (action) actions.add(action);
    }
    // Transaction items are built in several files (`{ Update: { … } }`) and sent in one.
    for (const [, kind] of text.matchAll(/\b(Put|Update|Delete|ConditionCheck|Get): \{/g)) {
      actions.add(TRANSACT_ITEM_ACTIONS[kind!]!);
    }
  }
  return { actions, unknown, files: files.length };
}

describe('IAM actions against the providers’ code', () => {
  it('the app role grants exactly the DynamoDB actions @worldkit/dynamodb calls', () => {
    const { actions, unknown, files } = actionsTheProviderCalls();
    expect(files).toBeGreaterThan(10);
    // A command this table does not know is a call nobody decided a permission for.
    expect(unknown).toEqual([]);
    expect([...actions].sort()).toEqual([...TABLE_READ_WRITE_ACTIONS].sort());
  });

  it('the dispatcher reads version records only: GetItem, and Query for chunked ones', () => {
    const store = readFileSync(join(DYNAMODB_SOURCE, 'versions/dynamodb-version-store.ts'), 'utf8');
    const blobs = readFileSync(join(DYNAMODB_SOURCE, 'encoding/blob-items.ts'), 'utf8');
    // versions.get(): a consistent GetCommand, then decodeRecord → blobLoader → QueryCommand.
    expect(store).toMatch(/async get\(id\) \{[\s\S]*?read\(handle, id\)[\s\S]*?decodeRecord/);
    expect(store).toMatch(/const read = [\s\S]*?new GetCommand\(/);
    expect(blobs).toMatch(/export function blobLoader[\s\S]*?new QueryCommand\(/);
    expect([...TABLE_VERSION_READ_ACTIONS]).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });
});
