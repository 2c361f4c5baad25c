/** The minimal logger Worldkit writes to; `console` satisfies it. */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

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
