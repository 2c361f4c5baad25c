import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAIMS_FILE_NAME, createFileClaims, localClaims } from './local-claims.js';

const dataDir = mkdtempSync(join(tmpdir(), 'worldkit-local-claims-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('claims in a data directory', () => {
  it('the first claim of a key wins until it expires', async () => {
    let now = 1_000;
    const claims = createFileClaims(join(dataDir, 'first.jsonl'), () => now);
    expect(await claims.claimOnce('delivery:a#1', 5_000)).toBe(true);
    expect(await claims.claimOnce('delivery:a#1', 5_000)).toBe(false);
    expect(await claims.claimOnce('delivery:a#2', 5_000)).toBe(true);
    now = 5_000;
    expect(await claims.claimOnce('delivery:a#1', 9_000)).toBe(true);
  });

  it('are remembered after a restart, until they expire', async () => {
    const file = join(dataDir, 'restart.jsonl');
    const before = createFileClaims(file, () => 1_000);
    expect(await before.claimOnce('delivery:kept#1', 60_000)).toBe(true);
    expect(await before.claimOnce('delivery:short#1', 2_000)).toBe(true);

    const after = createFileClaims(file, () => 3_000);
    expect(await after.claimOnce('delivery:kept#1', 60_000)).toBe(false);
    expect(await after.claimOnce('delivery:short#1', 60_000)).toBe(true);
  });

  it('of concurrent claims of a key, exactly one wins', async () => {
    const claims = createFileClaims(join(dataDir, 'race.jsonl'));
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => claims.claimOnce('delivery:race#1', Date.now() + 60_000)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('one store per data directory in the process, kept in claims.jsonl', async () => {
    expect(localClaims(dataDir)).toBe(localClaims(join(dataDir, '.')));
    expect(await localClaims(dataDir).claimOnce('delivery:shared#1', Date.now() + 60_000)).toBe(
      true,
    );
    expect(readFileSync(join(dataDir, CLAIMS_FILE_NAME), 'utf8')).toContain('delivery:shared#1');
  });
});
