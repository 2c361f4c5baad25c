import type { Logger } from '@worldkit/core';

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  details?: Record<string, unknown>;
}

/**
 * A logger that keeps every line, so a test can assert what a provider said: e.g. that an
 * outage produced one warning and one recovery line, not one per retry.
 */
export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const record =
    (level: LoggedLine['level']) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push(details === undefined ? { level, message } : { level, message, details });
    };
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
}
