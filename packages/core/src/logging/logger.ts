import type { Logger } from '@worldkit/provider';

/** The minimal logger Worldkit writes to; `console` satisfies it (from `@worldkit/provider`). */
export type { Logger };

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** Logs to stderr at `WORLDKIT_LOG_LEVEL` (default `warn`) and above. */
export function createConsoleLogger(level: Level = readLevel()): Logger {
  const threshold = LEVELS.indexOf(level);
  const write = (at: Level) => (message: string, details?: Record<string, unknown>) => {
    if (LEVELS.indexOf(at) < threshold) return;
    const suffix = details ? ` ${JSON.stringify(details)}` : '';
    process.stderr.write(`[worldkit] ${at}: ${message}${suffix}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function readLevel(): Level {
  const fromEnv = process.env.WORLDKIT_LOG_LEVEL as Level | undefined;
  return fromEnv && LEVELS.includes(fromEnv) ? fromEnv : 'warn';
}
