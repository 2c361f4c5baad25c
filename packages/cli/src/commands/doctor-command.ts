import { type ComposedWorld, createWorld, WorldkitConfigError } from '@worldkit/core';
import { type Command, Option } from 'commander';
import { describeError, exitCodeFor, ReportedFailure } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { loadConfig, resolveConfigPath } from '../open-world.js';
import { parsePositiveInteger } from '../option-parsers.js';
import { printJson, printLine, printTable } from '../output.js';
import { describeCapabilities, worldParts } from '../world-parts.js';
import { checkParts, type PartCheck, type VersionsSummary, withTimeout } from './doctor-checks.js';

interface DoctorReport {
  ok: boolean;
  config: string | null;
  checks: Array<PartCheck & { problems?: string[] }>;
  providers: Array<{
    slot: string;
    name: string;
    packageName: string;
    specificationVersion: string;
    capabilities: Record<string, unknown>;
  }>;
  versions: VersionsSummary | null;
}

/**
 * `worldkit doctor`: is the config valid, and does every part answer? Exits 2 for a config
 * problem, 1 when a part fails, 0 when everything answered.
 */
export function registerDoctorCommand(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('validate the config and check that every part answers')
    .addOption(
      new Option('--timeout <ms>', 'how long each probe may take')
        .argParser(parsePositiveInteger)
        .default(10_000),
    )
    .action(async (options: { timeout: number }, command: Command) => {
      const context = contextOf(io, command);
      let world: ComposedWorld;
      let configPath: string | null = null;
      try {
        configPath = resolveConfigPath(io, context.config);
        world = createWorld(loadConfig(configPath));
      } catch (error) {
        reportConfigFailure(context, configPath, error);
      }
      try {
        const { checks, versions } = await checkParts(world, options.timeout);
        const report: DoctorReport = {
          ok: checks.every((check) => check.status !== 'fail'),
          config: configPath,
          checks: [{ part: 'config', status: 'ok', detail: configPath }, ...checks],
          providers: worldParts(world).map(({ slot, provider }) => ({
            slot,
            name: provider.name,
            packageName: provider.packageName,
            specificationVersion: provider.specificationVersion,
            // A plain record in the JSON report: the named capabilities and any extra ones.
            capabilities: { ...provider.capabilities } as Record<string, unknown>,
          })),
          versions,
        };
        printReport(context, report);
        const failed = report.checks.filter((check) => check.status === 'fail');
        if (failed.length > 0) {
          throw new ReportedFailure(
            `doctor: ${failed.map((check) => check.part).join(', ')} failed: ${failed[0].detail}`,
            1,
          );
        }
      } finally {
        // A part stuck connecting must not keep the doctor from reporting.
        await withTimeout(world.close(), options.timeout).catch(() => {});
      }
    });
}

function reportConfigFailure(context: CommandContext, path: string | null, error: unknown): never {
  const problems = WorldkitConfigError.is(error)
    ? error.message
        .split('\n')
        .slice(1)
        .map((line) => line.replace(/^\s*-\s*/, '').trim())
    : [];
  printReport(context, {
    ok: false,
    config: path,
    checks: [
      {
        part: 'config',
        status: 'fail',
        detail: describeError(error),
        ...(problems.length > 0 ? { problems } : {}),
      },
    ],
    providers: [],
    versions: null,
  });
  throw new ReportedFailure(`doctor: config: ${describeError(error)}`, exitCodeFor(error));
}

function printReport(context: CommandContext, report: DoctorReport): void {
  if (context.json) {
    printJson(context, report);
    return;
  }
  printTable(
    context,
    ['part', 'status', 'detail'],
    report.checks.map((check) => [check.part, check.status.toUpperCase(), check.detail]),
  );
  for (const check of report.checks) {
    for (const problem of check.problems ?? []) printLine(context, `  - ${problem}`);
  }
  if (report.providers.length > 0) {
    printTable(
      context,
      ['slot', 'provider', 'package', 'spec', 'capabilities'],
      report.providers.map((provider) => [
        provider.slot,
        provider.name,
        provider.packageName,
        provider.specificationVersion,
        describeCapabilities(provider.capabilities),
      ]),
    );
  }
  if (report.versions) {
    const current = report.versions.current;
    printLine(
      context,
      `versions: ${report.versions.count}, current: ${current ? `${current.id}${current.label ? ` (${current.label})` : ''}` : 'none'}`,
    );
  }
}
