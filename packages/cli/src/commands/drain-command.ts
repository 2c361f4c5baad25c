import { type DrainReport, drainReport } from '@worldkit/core';
import { type Command, Option } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { formatDate, printFields, printJson, printTable } from '../output.js';

/** `worldkit drain <versionId>`: what still keeps a version alive, and until when. */
export function registerDrainCommand(program: Command, io: CliIo): void {
  program
    .command('drain')
    .description('report the active runs of a version and when it could be retired')
    .argument('<versionId>', 'version id')
    .addOption(
      new Option('--limit <n>', 'most runs to list').argParser(parsePositiveInteger).default(100),
    )
    .action(async (versionId: string, options: { limit: number }, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        const report = await drainReport(world, versionId, { limit: options.limit });
        if (context.json) printJson(context, report);
        else printDrainReport(context, report);
      });
    });
}

function printDrainReport(context: CommandContext, report: DrainReport): void {
  printFields(context, [
    ['version', report.versionId],
    ['active runs', report.activeRuns],
    ['running', report.byReason.running],
    ['queued', report.byReason.queued],
    ['sleeping', report.byReason.sleeping],
    ['waiting on a hook', report.byReason.waitingOnHook],
    ['earliest drain', describeDrainTime(report)],
  ]);
  printTable(
    context,
    ['run', 'workflow', 'status', 'reason', 'until'],
    report.runs.map((run) => [run.runId, run.workflowName, run.status, run.reason, run.until]),
    report.runs.length < report.activeRuns
      ? `first ${report.runs.length} of ${report.activeRuns} active runs:`
      : 'active runs:',
  );
}

function describeDrainTime(report: DrainReport): string {
  if (report.activeRuns === 0) return 'drained: no active runs';
  if (report.earliestDrainAt === null) return 'unknown: a run waits on a hook';
  return formatDate(report.earliestDrainAt);
}
