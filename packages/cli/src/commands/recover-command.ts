import { type RecoveryReport, recoverStalledRuns } from '@worldkit/core';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { printJson, printLine, printTable } from '../output.js';

/**
 * `worldkit runs recover`: finds active runs that nothing will wake (their queue message was
 * lost) and queues them again. Worlds that consume their queue do this by themselves every few
 * minutes (`recovery` in `defineWorld`); this is the same pass, now, with a dry run first.
 */
export function registerRecoverCommand(runs: Command, io: CliIo): void {
  runs
    .command('recover')
    .description('re-queue active runs whose queue message was lost (e.g. the queue was wiped)')
    .option('--dry-run', 'list the stuck runs without queueing anything')
    .addOption(
      new Option(
        '--stale-after <seconds>',
        'a run without progress for this long counts as stuck (keep it above your longest step)',
      )
        .argParser(parsePositiveInteger)
        .default(600),
    )
    .action(async (options: { dryRun?: boolean; staleAfter: number }, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        const report = await recoverStalledRuns(world, {
          staleAfterMs: options.staleAfter * 1000,
          dryRun: options.dryRun ?? false,
        });
        if (context.json) printJson(context, report);
        else printReport(context, report);
      });
    });
}

function printReport(context: CommandContext, report: RecoveryReport): void {
  if (report.stalled.length > 0) {
    printTable(
      context,
      ['run', 'workflow', 'version', 'why', 'last activity'],
      report.stalled.map((run) => [
        run.runId,
        run.workflowName,
        run.deploymentId,
        run.reason,
        run.lastActivityAt,
      ]),
    );
  }
  const stuck = `${report.stalled.length} of ${report.examined} active run(s) stuck`;
  printLine(
    context,
    report.dryRun ? `${stuck}; dry run, nothing queued` : `${stuck}; re-queued ${report.requeued}`,
  );
}
