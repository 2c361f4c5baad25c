import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeVersionStoreConformance } from '@worldkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { localVersions } from '../providers.js';
import { createLocalVersionStore } from './local-versions.js';

const tempDirs: string[] = [];
async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'worldkit-versions-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeVersionStoreConformance({
  name: 'local (memory)',
  create: () => localVersions({ memory: true }),
});

describeVersionStoreConformance({
  name: 'local (data dir)',
  create: async () => localVersions({ dataDir: await freshDataDir() }),
});

describe('local version store with a data dir', () => {
  it('does no I/O until first use', async () => {
    const dataDir = path.join(await freshDataDir(), 'not-yet');
    const store = createLocalVersionStore({ dataDir });
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.create({ id: 'v1' });
    expect((await stat(path.join(dataDir, 'versions.json'))).isFile()).toBe(true);
    await store.close?.();
  });

  it('keeps versions, the current one and their Dates across a close and reopen', async () => {
    const dataDir = await freshDataDir();
    const first = createLocalVersionStore({ dataDir });
    const old = await first.create({ id: 'v-old', label: 'old', metadata: { n: 1 } });
    const candidate = await first.create({
      label: 'candidate',
      address: 'https://candidate.example.com',
    });
    await first.promote(old.id);
    await first.update(candidate.id, { rampPercent: 40 });
    await first.close?.();

    const second = createLocalVersionStore({ dataDir });
    const current = await second.getCurrent();
    expect(current?.id).toBe('v-old');
    expect(current?.promotedAt).toBeInstanceOf(Date);
    expect(current?.createdAt).toBeInstanceOf(Date);
    expect(current?.createdAt.getTime()).toBe(old.createdAt.getTime());
    expect(current?.metadata).toEqual({ n: 1 });
    const reread = await second.get(candidate.id);
    expect(reread).toMatchObject({
      label: 'candidate',
      address: 'https://candidate.example.com',
      rampPercent: 40,
    });
    expect(reread?.updatedAt).toBeInstanceOf(Date);
    expect((await second.list()).data.map((version) => version.id)).toEqual([old.id, candidate.id]);
    await second.close?.();
  });

  it('has every change on disk once the call resolves, with no temp files left', async () => {
    const dataDir = await freshDataDir();
    const store = createLocalVersionStore({ dataDir });
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, at) => store.create({ id: `v${at}` })),
    );
    await store.promote('v3');
    await store.delete('v0');
    const onDisk = JSON.parse(await readFile(path.join(dataDir, 'versions.json'), 'utf8'));
    expect(onDisk.currentId).toBe('v3');
    expect(onDisk.versions.map((version: { id: string }) => version.id).sort()).toEqual(
      created
        .map((version) => version.id)
        .filter((id) => id !== 'v0')
        .sort(),
    );
    expect((await readdir(dataDir)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
    await store.close?.();
  });

  it('shares one store per data dir in a process; each handle releases only its share', async () => {
    const dataDir = await freshDataDir();
    const one = createLocalVersionStore({ dataDir });
    const two = createLocalVersionStore({ dataDir });
    await one.create({ id: 'shared' });
    expect((await two.get('shared'))?.id).toBe('shared');
    await one.close?.();
    await expect(one.get('shared')).rejects.toThrow(/handle is closed/);
    await two.promote('shared');
    expect((await two.getCurrent())?.id).toBe('shared');
    await two.close?.();
  });

  it('names the file when versions.json is malformed, and leaves it untouched', async () => {
    const dataDir = await freshDataDir();
    const filePath = path.join(dataDir, 'versions.json');
    await writeFile(filePath, '{"format":1,"currentId":null,"versions":[{"id":"x"}]}');
    const store = createLocalVersionStore({ dataDir });
    await expect(store.list()).rejects.toThrow(/versions\.json does not hold a version store/);
    await expect(store.create({ id: 'y' })).rejects.toThrow(/versions\.json/);
    expect(await readFile(filePath, 'utf8')).toBe(
      '{"format":1,"currentId":null,"versions":[{"id":"x"}]}',
    );
    await store.close?.();
  });
});

describe('local version store in memory', () => {
  it('gives every call its own versions', async () => {
    const one = createLocalVersionStore();
    const two = createLocalVersionStore();
    await one.create({ id: 'only-in-one' });
    expect(await two.get('only-in-one')).toBeNull();
  });
});
