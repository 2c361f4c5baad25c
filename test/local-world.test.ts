import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWorld } from '@worldkit/core';
import { local } from '@worldkit/local';
import { describeWorldConformance } from '@worldkit/testing';
import { afterAll } from 'vitest';

describeWorldConformance({
  name: '@worldkit/local in memory',
  create: () => createWorld({ ...local({ memory: true }) }),
});

const dataDir = mkdtempSync(join(tmpdir(), 'worldkit-local-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describeWorldConformance({
  name: '@worldkit/local with a data directory',
  create: () => createWorld({ ...local({ dataDir }) }),
});
