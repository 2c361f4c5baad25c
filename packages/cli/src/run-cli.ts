import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { describeError, EXIT_USAGE, exitCodeFor, ReportedFailure } from './cli-errors.js';
import { type CliIo, defaultIo } from './cli-io.js';
import { registerCheckCommand } from './commands/check-command.js';
import { registerDoctorCommand } from './commands/doctor-command.js';
import { registerDrainCommand } from './commands/drain-command.js';
import { registerRunsCommands } from './commands/runs-commands.js';
import { registerSetupCommand } from './commands/setup-command.js';
import { registerUpgradeCommand } from './commands/upgrade-command.js';
import { registerUpgradesCommand } from './commands/upgrades-command.js';
import { registerVersionCommands } from './commands/version-commands.js';

const { version: CLI_VERSION } = createRequire(import.meta.url)('../package.json') as {
  version: string;
};

/**
 * Runs one `worldkit` invocation and resolves to its exit code: 0 on success, 1 when the
 * command failed while running, 2 for usage and configuration errors. Never calls
 * `process.exit`, so tests and other tools can run it in-process.
 */
export async function runCli(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const resolvedIo: CliIo = { ...defaultIo(), ...io };
  const program = createProgram(resolvedIo);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version text it was asked for).
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (!(error instanceof ReportedFailure) || error.message) {
      resolvedIo.stderr.write(`worldkit: ${describeError(error)}\n`);
    }
    return exitCodeFor(error);
  }
}

export function createProgram(io: CliIo): Command {
  const program = new Command('worldkit')
    .description('Operate a Worldkit World: versions, runs, upgrades, drain reports, setup, doctor')
    // `-V` only: `--version` is an option of `runs list` and `upgrades`, and program options
    // are also recognised after the subcommand.
    .version(CLI_VERSION, '-V', 'print the CLI version')
    .option(
      '--config <file>',
      'world config file (default: env WORLDKIT_CONFIG, then ./world.config.*)',
    )
    .option('--json', 'print machine-readable JSON on stdout')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line, same prefix as every other error: `worldkit: unknown option '--x'`.
      outputError: (text, write) =>
        write(
          `worldkit: ${text
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()}\n`,
        ),
    });
  // Settings above are copied into each subcommand when it is created, so they come first.
  registerVersionCommands(program, io);
  registerRunsCommands(program, io);
  registerUpgradeCommand(program, io);
  registerUpgradesCommand(program, io);
  registerCheckCommand(program, io);
  registerDrainCommand(program, io);
  registerSetupCommand(program, io);
  registerDoctorCommand(program, io);
  return program;
}
