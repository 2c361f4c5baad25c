import { describe, expect, it } from 'vitest';
import { createRateLimitedWarning } from './rate-limited-warning.js';

describe('createRateLimitedWarning', () => {
  it('warns once per window, logs the rest at debug and counts them in the next warning', () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = {
      debug: (_message: string, details?: Record<string, unknown>) =>
        lines.push(['debug', details]),
      info: () => {},
      warn: (_message: string, details?: Record<string, unknown>) => lines.push(['warn', details]),
      error: () => {},
    };
    let clock = 0;
    const warning = createRateLimitedWarning(logger, 'job vanished', {
      intervalMs: 1_000,
      now: () => clock,
    });
    for (let index = 0; index < 5; index++) warning.warn({ job: index });
    clock = 1_000;
    warning.warn({ job: 5 });
    expect(lines.map(([level]) => level)).toEqual([
      'warn',
      'debug',
      'debug',
      'debug',
      'debug',
      'warn',
    ]);
    expect(lines[5]?.[1]).toEqual({ job: 5, sinceLastWarning: 4 });
  });
});
