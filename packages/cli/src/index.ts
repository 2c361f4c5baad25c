export type { CliIo, OutputStream } from './cli-io.js';
export { createProgram, runCli } from './run-cli.js';
