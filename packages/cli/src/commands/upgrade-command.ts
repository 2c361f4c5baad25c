import {
  type ComposedWorld,
  UPGRADE_STRATEGIES,
  type UpgradeResult,
  type UpgradeRunsSummary,
  type UpgradeStrategy,
  upgradeRun,
  upgradeRuns,
} from '@worldkit/core';
import { type Command, Option } from 'commander';
import { ReportedFailure, UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { listOf, parsePositiveInteger } from '../option-parsers.js';
import { printFields, printJson, printTable } from '../output.js';
import { createProgressBar } from '../progress-bar.js';
import { assertVersionExists } from '../target-version.js';

type ActiveStatus = 'pending' | 'running';

interface UpgradeOptions {
  to: string;
  strategy: UpgradeStrategy;
  cutAfter?: string;
  dryRun?: boolean;
  from?: string;
  workflow?: string;
  status?: ActiveStatus[];
  concurrency?: number;
}

/**
 * `worldkit upgrade <runId> …` moves one run; `worldkit upgrade --from <version> …` moves every
 * active run of a version. Both are idempotent: re-running finishes or skips what was done.
 */
export function registerUpgradeCommand(program: Command, io: CliIo): void {
  program
    .command('upgrade')
    .description('move an in-flight run, or every active run of a version, to another version')
    .argument('[runId]', 'the run to upgrade (omit with --from)')
    .requiredOption('--to <versionId>', 'target version')
    .addOption(
      new Option('--strategy <strategy>', 'how the new run continues')
        .choices(UPGRADE_STRATEGIES)
        .makeOptionMandatory(),
    )
    .option('--cut-after <eventId>', 'cancel-and-partial-resume: last event of the old run to keep')
    .option('--dry-run', 'check and report, change nothing')
    .option('--from <versionId>', 'bulk: every active run pinned to this version')
    .option('--workflow <workflowName>', 'bulk: only runs of this workflow')
    .addOption(
      new Option('--status <statuses>', 'bulk: pending, running or both (default both)').argParser(
        listOf<ActiveStatus>(['pending', 'running']),
      ),
    )
    .addOption(
      new Option('--concurrency <n>', 'bulk: runs upgraded at once').argParser(
        parsePositiveInteger,
      ),
    )
    .action(async (runId: string | undefined, options: UpgradeOptions, command: Command) => {
      const context = contextOf(io, command);
      checkUpgradeOptions(runId, options);
      await withWorld(io, context.config, async ({ world }) => {
        await assertVersionExists(world, options.to);
        if (runId) await upgradeOne(context, world, runId, options);
        else await upgradeMany(context, world, options);
      });
    });
}

function checkUpgradeOptions(runId: string | undefined, options: UpgradeOptions): void {
  if (runId && options.from) {
    throw new UsageError('pass either a runId or --from <versionId>, not both');
  }
  if (!runId && !options.from) {
    throw new UsageError('pass a runId, or --from <versionId> to upgrade every active run of it');
  }
  if (runId && (options.workflow || options.status || options.concurrency)) {
    throw new UsageError('--workflow, --status and --concurrency apply to bulk upgrades (--from)');
  }
  if (!runId && options.cutAfter) {
    throw new UsageError('--cut-after applies to one run: pass its runId');
  }
}

async function upgradeOne(
  context: CommandContext,
  world: ComposedWorld,
  runId: string,
  options: UpgradeOptions,
): Promise<void> {
  const result = await upgradeRun(world, runId, {
    to: options.to,
    strategy: options.strategy,
    cutAfterEventId: options.cutAfter,
    dryRun: Boolean(options.dryRun),
  });
  if (context.json) printJson(context, result);
  else printUpgradeResult(context, result);
  if (result.status === 'refused') {
    throw new ReportedFailure(`upgrade refused: ${result.reasons.join('; ')}`, 1);
  }
}

async function upgradeMany(
  context: CommandContext,
  world: ComposedWorld,
  options: UpgradeOptions,
): Promise<void> {
  const progress = createProgressBar(context, options.dryRun ? 'checking' : 'upgrading');
  let summary: UpgradeRunsSummary;
  try {
    summary = await upgradeRuns(
      world,
      { fromVersion: options.from, workflowName: options.workflow, status: options.status },
      {
        to: options.to,
        strategy: options.strategy,
        dryRun: Boolean(options.dryRun),
        concurrency: options.concurrency,
        onProgress: (step) => progress.update(step),
      },
    );
  } finally {
    progress.stop();
  }
  if (context.json) printJson(context, summary);
  else printUpgradeSummary(context, summary);
  if (summary.refused > 0) {
    throw new ReportedFailure(
      `${summary.refused} of ${summary.total} runs refused the upgrade (see the reasons above)`,
      1,
    );
  }
}

function printUpgradeResult(context: CommandContext, result: UpgradeResult): void {
  printFields(context, [
    ['run', result.runId],
    ['status', result.status],
    ['new run', result.newRunId],
    ['from', result.fromVersion],
    ['to', result.toVersion],
    ['strategy', result.strategy],
    ['copied events', result.copiedEvents],
    ['reasons', result.reasons.join('; ') || undefined],
  ]);
}

function printUpgradeSummary(context: CommandContext, summary: UpgradeRunsSummary): void {
  printTable(
    context,
    ['matched', 'upgraded', 'dry run', 'already upgraded', 'skipped', 'refused'],
    [
      [
        summary.total,
        summary.upgraded,
        summary.dryRun,
        summary.alreadyUpgraded,
        summary.skipped,
        summary.refused,
      ],
    ],
  );
  printTable(
    context,
    ['run', 'status', 'new run', 'copied events', 'reasons'],
    summary.results.map((result) => [
      result.runId,
      result.status,
      result.newRunId,
      result.copiedEvents,
      result.reasons.join('; '),
    ]),
  );
}
