import type {
  Event,
  StepWithoutData,
  WorkflowRunStatus,
  WorkflowRunWithoutData,
} from '@workflow/world';
import { type ComposedWorld, listUpgrades } from '@worldkit/core';
import { type Command, Option } from 'commander';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { printFields, printJson, printTable } from '../output.js';
import { registerRecoverCommand } from './recover-command.js';

const RUN_STATUSES: WorkflowRunStatus[] = [
  'pending',
  'running',
  'completed',
  'failed',
  'cancelled',
];
const PAGE_SIZE = 100;

/** `worldkit runs …`: read-only views of runs, their steps and events. */
export function registerRunsCommands(program: Command, io: CliIo): void {
  const runs = program.command('runs').description('inspect workflow runs');

  runs
    .command('list')
    .description('list runs, newest first')
    .option('--version <versionId>', 'only runs pinned to this version')
    .option('--workflow <workflowName>', 'only runs of this workflow (its full workflowId)')
    .addOption(new Option('--status <status>', 'only runs in this status').choices(RUN_STATUSES))
    .addOption(
      new Option('--limit <n>', 'most runs to show').argParser(parsePositiveInteger).default(50),
    )
    .action(async (options: ListOptions, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        const { runs: found, more } = await listRuns(world, options);
        if (context.json) printJson(context, { runs: found, more });
        else printRunTable(context, found, more);
      });
    });

  runs
    .command('get')
    .description('show one run with its steps, recent events and upgrades')
    .argument('<runId>', 'run id')
    .addOption(
      new Option('--events <n>', 'most recent events to show')
        .argParser(parsePositiveInteger)
        .default(20),
    )
    .action(async (runId: string, options: { events: number }, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        const details = await readRun(world, runId, options.events);
        if (context.json) printJson(context, details);
        else printRunDetails(context, details);
      });
    });

  registerRecoverCommand(runs, io);
}

interface ListOptions {
  version?: string;
  workflow?: string;
  status?: WorkflowRunStatus;
  limit: number;
}

/**
 * Runs matching the filter, newest first. Storage lists filter by workflow and status only, so
 * `--version` is applied here while paging.
 */
async function listRuns(
  world: ComposedWorld,
  options: ListOptions,
): Promise<{ runs: WorkflowRunWithoutData[]; more: boolean }> {
  const found: WorkflowRunWithoutData[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await world.runs.list({
      workflowName: options.workflow,
      status: options.status,
      resolveData: 'none',
      pagination: { limit: PAGE_SIZE, cursor, sortOrder: 'desc' },
    });
    for (const run of page.data as WorkflowRunWithoutData[]) {
      if (options.version && run.deploymentId !== options.version) continue;
      if (found.length === options.limit) return { runs: found, more: true };
      found.push(run);
    }
    if (!page.hasMore || !page.cursor) return { runs: found, more: false };
    cursor = page.cursor;
  }
}

function printRunTable(context: CommandContext, runs: WorkflowRunWithoutData[], more: boolean) {
  printTable(
    context,
    ['run', 'workflow', 'status', 'version', 'created', 'completed'],
    runs.map((run) => [
      run.runId,
      run.workflowName,
      run.status,
      run.deploymentId,
      run.createdAt,
      run.completedAt,
    ]),
  );
  if (more) context.io.stdout.write('(more runs match: raise --limit)\n');
}

type RunDetails = Awaited<ReturnType<typeof readRun>>;

async function readRun(world: ComposedWorld, runId: string, eventCount: number) {
  const run = await world.runs.get(runId, { resolveData: 'none' });
  const steps: StepWithoutData[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.steps.list({
      runId,
      resolveData: 'none',
      pagination: { limit: PAGE_SIZE, cursor, sortOrder: 'asc' },
    });
    steps.push(...(page.data as StepWithoutData[]));
    cursor = page.hasMore && page.cursor ? page.cursor : undefined;
  } while (cursor);
  const recent = await world.events.list({
    runId,
    resolveData: 'none',
    pagination: { limit: eventCount, sortOrder: 'desc' },
  });
  const events = (recent.data as Event[]).reverse().map((event) => ({
    eventId: event.eventId,
    eventType: event.eventType,
    correlationId: event.correlationId ?? null,
    createdAt: event.createdAt,
  }));
  const upgrades = await listUpgrades(world, { runId });
  return { run, steps, events, olderEvents: recent.hasMore, upgrades };
}

function printRunDetails(context: CommandContext, details: RunDetails) {
  const { run } = details;
  printFields(context, [
    ['run', run.runId],
    ['workflow', run.workflowName],
    ['status', run.status],
    ['version', run.deploymentId],
    ['spec version', run.specVersion],
    ['created', run.createdAt],
    ['started', run.startedAt],
    ['completed', run.completedAt],
    ['error', run.error?.message],
  ]);
  printTable(
    context,
    ['step', 'name', 'status', 'attempt', 'started', 'completed', 'retry after'],
    details.steps.map((step) => [
      step.stepId,
      step.stepName,
      step.status,
      step.attempt,
      step.startedAt,
      step.completedAt,
      step.retryAfter,
    ]),
    'steps:',
  );
  printTable(
    context,
    ['event', 'type', 'correlation', 'at'],
    details.events.map((event) => [
      event.eventId,
      event.eventType,
      event.correlationId,
      event.createdAt,
    ]),
    details.olderEvents ? `last ${details.events.length} events:` : 'events:',
  );
  if (details.upgrades.length > 0) {
    printTable(
      context,
      ['upgrade', 'from run', 'to run', 'from', 'to', 'strategy', 'status'],
      details.upgrades.map((upgrade) => [
        upgrade.id,
        upgrade.runId,
        upgrade.newRunId,
        upgrade.fromVersion,
        upgrade.toVersion,
        upgrade.strategy,
        upgrade.status,
      ]),
      'upgrades:',
    );
  }
}
