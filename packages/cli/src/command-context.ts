import type { CliIo } from './cli-io.js';

/** What every command action receives: where to write, and the global options. */
export interface CommandContext {
  io: CliIo;
  /** `--json`: stdout carries one JSON document and nothing else. */
  json: boolean;
  /** `--config <file>` */
  config?: string;
}

/** Commander's global options, as `optsWithGlobals()` returns them. */
export interface GlobalOptions {
  json?: boolean;
  config?: string;
}

/** The context of one command invocation, from commander's parsed global options. */
export function contextOf(
  io: CliIo,
  command: { optsWithGlobals(): GlobalOptions },
): CommandContext {
  const globals = command.optsWithGlobals();
  return { io, json: Boolean(globals.json), config: globals.config };
}
