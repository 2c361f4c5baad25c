import { describe, expect, it } from 'vitest';
import type { Logger } from './logger.js';
import { createOutageReport } from './outage-report.js';

function recording() {
  const lines: { level: string; message: string; details?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push({ level, message, details });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { lines, logger };
}

describe('createOutageReport', () => {
  it('logs one warning per outage, the retries at debug, and one line when the backend is back', () => {
    const { lines, logger } = recording();
    let clock = 1_000;
    const report = createOutageReport({ backend: 'test queue', logger, now: () => clock });
    report.succeeded();
    expect(lines).toEqual([]);
    report.failed('receive', new Error('ECONNREFUSED'));
    clock += 500;
    report.failed('delete', new Error('ECONNREFUSED'));
    report.failed('receive', 'socket hang up');
    expect(report.failing).toBe(true);
    clock += 2_500;
    report.succeeded();
    report.succeeded();
    expect(report.failing).toBe(false);
    expect(lines.map((line) => line.level)).toEqual(['warn', 'debug', 'debug', 'info']);
    expect(lines[0]).toMatchObject({
      message: expect.stringContaining('test queue is unreachable'),
      details: { operation: 'receive', error: 'ECONNREFUSED' },
    });
    expect(lines[2]?.details).toEqual({ operation: 'receive', error: 'socket hang up' });
    expect(lines[3]).toEqual({
      level: 'info',
      message: 'test queue is reachable again',
      details: { outageMs: 3_000, failedOperations: 3 },
    });
  });

  it('is not ended by an operation that was already in flight when the outage began', () => {
    const { lines, logger } = recording();
    let clock = 1_000;
    const report = createOutageReport({ backend: 'db', logger, now: () => clock });
    const startedBeforeOutage = clock;
    clock += 100;
    report.failed('poll', new Error('server shutting down'));
    clock += 100;
    // A query sent before the failure comes back fine: still an outage, nothing logged.
    report.succeeded(startedBeforeOutage);
    expect(report.failing).toBe(true);
    report.succeeded(clock);
    expect(report.failing).toBe(false);
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
  });

  it('warns again for a second outage, once the quiet window after the first warning has passed', () => {
    const { lines, logger } = recording();
    let clock = 1_000;
    const report = createOutageReport({ backend: 'db', logger, now: () => clock, quietMs: 60_000 });
    report.failed('poll', new Error('down'));
    report.succeeded();
    clock += 60_000;
    report.failed('poll', new Error('down again'));
    expect(
      lines.filter((line) => line.level === 'warn').map((line) => line.details?.error),
    ).toEqual(['down', 'down again']);
  });

  it('warns once however often a recovering backend flaps within the quiet window', () => {
    // A restarted server: stale pooled connections keep failing after new ones succeed, and
    // operations sent during the outage fail after a retry went through.
    const { lines, logger } = recording();
    let clock = 1_000;
    const report = createOutageReport({ backend: 'db', logger, now: () => clock, quietMs: 60_000 });
    for (let flap = 0; flap < 100; flap++) {
      report.failed('query', new Error('Connection terminated unexpectedly'));
      clock += 200;
      report.succeeded(clock);
      clock += 200;
    }
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    // The first recovery is said at info; the flaps after it only at debug.
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(1);
    expect(report.failing).toBe(false);
  });

  it('warns once more when a failure soon after a warning outlasts the quiet window', () => {
    const { lines, logger } = recording();
    let clock = 1_000;
    const report = createOutageReport({ backend: 'db', logger, now: () => clock, quietMs: 60_000 });
    report.failed('query', new Error('down'));
    clock += 1_000;
    report.succeeded(clock);
    clock += 1_000;
    // Down again 2 s after the warning: quiet, for now.
    report.failed('query', new Error('down again'));
    clock += 30_000;
    report.failed('query', new Error('down again'));
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    // Still down a whole window after the warning: an operator must hear of it.
    clock += 30_000;
    report.failed('query', new Error('down again'));
    clock += 10_000;
    report.failed('query', new Error('down again'));
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[1]?.details).toMatchObject({ failingForMs: 60_000, failedOperations: 3 });
    report.succeeded(clock);
    expect(lines.at(-1)).toMatchObject({ level: 'info', details: { failedOperations: 4 } });
  });
});
