import { listUpgrades } from '@worldkit/core';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { printJson, printTable } from '../output.js';

/** `worldkit upgrades`: the upgrade log, oldest first. */
export function registerUpgradesCommand(program: Command, io: CliIo): void {
  program
    .command('upgrades')
    .description('list recorded upgrades')
    .option('--run <runId>', 'upgrades of this run (as old or new run)')
    .option('--version <versionId>', 'upgrades from or to this version')
    .action(async (options: { run?: string; version?: string }, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        const records = await listUpgrades(world, {
          runId: options.run,
          versionId: options.version,
        });
        if (context.json) {
          printJson(context, { upgrades: records });
          return;
        }
        printTable(
          context,
          ['upgrade', 'run', 'new run', 'from', 'to', 'strategy', 'status', 'copied', 'at'],
          records.map((record) => [
            record.id,
            record.runId,
            record.newRunId,
            record.fromVersion,
            record.toVersion,
            record.strategy,
            record.status,
            record.copiedEvents,
            record.createdAt,
          ]),
        );
      });
    });
}
