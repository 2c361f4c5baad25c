import { type CompatibilityReport, checkCompatibility } from '@worldkit/core';
import type { Command } from 'commander';
import { ReportedFailure } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { printFields, printJson, printTable } from '../output.js';
import { assertVersionExists } from '../target-version.js';

/**
 * `worldkit check <runId> --to <version>`: could this run move there? Exits 1 when it could
 * not, so a deploy script can gate an upgrade on it.
 */
export function registerCheckCommand(program: Command, io: CliIo): void {
  program
    .command('check')
    .description("check a run's input and event log against another version")
    .argument('<runId>', 'run id')
    .requiredOption('--to <versionId>', 'target version')
    .option('--cut-after <eventId>', 'check only the events up to this one (partial resume)')
    .action(async (runId: string, options: { to: string; cutAfter?: string }, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        await assertVersionExists(world, options.to);
        const report = await checkCompatibility(world, runId, options.to, {
          cutAfterEventId: options.cutAfter,
        });
        if (context.json) printJson(context, { runId, versionId: options.to, ...report });
        else printCompatibility(context, report);
        if (!report.compatible) {
          throw new ReportedFailure(
            `run ${runId} is not compatible with version ${options.to} (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'})`,
            1,
          );
        }
      });
    });
}

function printCompatibility(context: CommandContext, report: CompatibilityReport): void {
  printFields(context, [
    ['compatible', describeVerdict(report)],
    ['replay', describeReplay(report)],
    ['hook tokens', describeHookTokens(report)],
    ['suggested --cut-after', report.suggestedCutAfterEventId],
    ['input not checked', report.inputNotCheckedReason],
  ]);
  if (report.problems.length > 0) {
    printTable(
      context,
      ['kind', 'problem', 'event'],
      report.problems.map((problem) => [problem.kind, problem.message, problem.eventId]),
    );
  }
}

/** A "yes" without the replay is a weaker answer than one with it, and says so. */
function describeVerdict(report: CompatibilityReport): string {
  if (!report.compatible) return 'no';
  return report.replay === 'compatible' ? 'yes' : 'yes (replay not checked)';
}

function describeReplay(report: CompatibilityReport): string {
  switch (report.replay) {
    case 'compatible':
      return "passed: the target's code replays the log";
    case 'diverged':
      return "failed: the target's code takes another path (see problems)";
    case 'not-checked':
      return `not checked: ${report.replayNotCheckedReason ?? 'no reason given'}`;
    default:
      return report.compatible ? 'not checked' : 'not run: the checks above found problems first';
  }
}

/** What an upgrade does to the ways into the run it handed out (see docs/versions.md). */
function describeHookTokens(report: CompatibilityReport): string | undefined {
  const { explicit, generated } = report.hookTokens;
  if (explicit + generated === 0) return undefined;
  const parts: string[] = [];
  if (generated > 0) {
    parts.push(
      `${generated} generated (kept by cancel-and-resume / partial resume; cancel-and-restart refuses)`,
    );
  }
  if (explicit > 0) parts.push(`${explicit} explicit (kept by every strategy)`);
  return parts.join('; ');
}
