import type { TestFunction } from 'vitest';

export type { KnownGaps } from '../conformance.js';

/** How the streamer groups register a test (the kit's `test`, which honours `knownGaps`). */
export type ConformanceTest = (title: string, body: TestFunction) => void;
