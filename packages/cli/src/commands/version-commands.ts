import {
  type ComposedWorld,
  createVersionInputSchema,
  deleteVersion,
  updateVersionInputSchema,
  type Version,
  VersionInUseError,
} from '@worldkit/core';
import { type Command, Option } from 'commander';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { type CommandContext, contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { parsePercent } from '../option-parsers.js';
import { printJson, printLine, printNotice } from '../output.js';
import { readManifestFile, validateVersionInput } from '../version-input.js';
import { printVersion, printVersionTable, shownVersion } from '../version-view.js';

/** `worldkit version …`: CRUD and promotion against the World's version store. */
export function registerVersionCommands(program: Command, io: CliIo): void {
  const version = program.command('version').description('create, inspect and promote versions');

  version
    .command('create')
    .description('record a new version (e.g. after deploying its code)')
    .option('--id <id>', 'version id (default: vers_<ulid>)')
    .option('--label <label>', 'human label, e.g. a git sha')
    .option('--address <url>', "base URL where this version's code answers")
    .option('--manifest <path>', 'manifest.json written by `wf build`')
    .action(async (options: CreateOptions, command: Command) => {
      const context = contextOf(io, command);
      const input = validateVersionInput(createVersionInputSchema, {
        id: options.id,
        label: options.label,
        address: options.address,
        manifest: options.manifest ? readManifestFile(io.cwd, options.manifest) : undefined,
      });
      await withVersionStore(context, true, async (world) => {
        const created = await world.worldkit.versions.create(input);
        const current = await world.worldkit.versions.getCurrent();
        printVersion(context, created, current?.id ?? null);
      });
    });

  version
    .command('get')
    .description('show one version')
    .argument('<id>', 'version id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextOf(io, command);
      await withVersionStore(context, false, async (world) => {
        const found = await world.worldkit.versions.get(id);
        if (!found) throw new Error(`version "${id}" does not exist`);
        const current = await world.worldkit.versions.getCurrent();
        printVersion(context, found, current?.id ?? null);
      });
    });

  version
    .command('list')
    .description('list every version; * marks the current one')
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(io, command);
      await withVersionStore(context, false, async (world) => {
        const versions = await listAllVersions(world);
        const current = await world.worldkit.versions.getCurrent();
        if (context.json) {
          printJson(context, {
            current: current?.id ?? null,
            versions: versions.map((entry) => ({
              ...shownVersion(entry),
              current: entry.id === current?.id,
            })),
          });
        } else {
          printVersionTable(context, versions, current?.id ?? null);
        }
      });
    });

  version
    .command('update')
    .description("change a version's label, address or ramp")
    .argument('<id>', 'version id')
    .option('--label <label>', 'new label')
    .option('--address <url>', 'new base URL')
    .addOption(
      new Option(
        '--ramp <percent>',
        'share of new runs (0-100) started on this candidate',
      ).argParser(parsePercent),
    )
    .option('--no-ramp', 'remove the ramp')
    .action(async (id: string, options: UpdateOptions, command: Command) => {
      const context = contextOf(io, command);
      const input = validateVersionInput(updateVersionInputSchema, {
        label: options.label,
        address: options.address,
        // Commander gives `false` for --no-ramp; the store clears a ramp given `null`.
        rampPercent: options.ramp === false ? null : options.ramp,
      });
      if (Object.values(input).every((value) => value === undefined)) {
        throw new UsageError('nothing to update: pass --label, --address, --ramp or --no-ramp');
      }
      await withVersionStore(context, true, async (world) => {
        const updated = await world.worldkit.versions.update(id, input);
        const current = await world.worldkit.versions.getCurrent();
        printVersion(context, updated, current?.id ?? null);
      });
    });

  version
    .command('delete')
    .description('delete a version; refused while runs are still active on it')
    .argument('<id>', 'version id')
    .option('--force', 'delete even though runs are still active on it (they are stranded)')
    .action(async (id: string, options: { force?: boolean }, command: Command) => {
      const context = contextOf(io, command);
      await withVersionStore(context, true, async (world) => {
        try {
          await deleteVersion(world, id, { force: Boolean(options.force) });
        } catch (error) {
          if (!VersionInUseError.is(error)) throw error;
          // The library's message names its API; say what to run instead.
          throw new Error(
            `version "${id}" still has ${error.activeRuns} active run${error.activeRuns === 1 ? '' : 's'}: ` +
              `see \`worldkit drain ${id}\`, move them with \`worldkit upgrade --from ${id} --to <version> --strategy <strategy>\`, or pass --force`,
          );
        }
        if (context.json) printJson(context, { deleted: id });
        else printLine(context, `deleted version ${id}`);
      });
    });

  version
    .command('promote')
    .description('make a version current: new runs start on it')
    .argument('<id>', 'version id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextOf(io, command);
      await withVersionStore(context, true, async (world) => {
        const promoted = await world.worldkit.versions.promote(id);
        if (!context.json) printLine(context, `promoted ${id}: new runs start on it`);
        printVersion(context, promoted, promoted.id);
      });
    });
}

interface CreateOptions {
  id?: string;
  label?: string;
  address?: string;
  manifest?: string;
}

interface UpdateOptions {
  label?: string;
  address?: string;
  ramp?: number | false;
}

async function withVersionStore(
  context: CommandContext,
  changes: boolean,
  use: (world: ComposedWorld) => Promise<void>,
): Promise<void> {
  await withWorld(context.io, context.config, async ({ world }) => {
    const provider = world.worldkit.providers.versions;
    if (changes && !provider.capabilities.durable) {
      // A memory store forgets the change as soon as this command exits.
      printNotice(
        context,
        `warning: the version store "${provider.name}" is not durable; this change ends with this command`,
      );
    }
    await use(world);
  });
}

export async function listAllVersions(world: ComposedWorld): Promise<Version[]> {
  const versions: Version[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.worldkit.versions.list({ limit: 100, cursor });
    versions.push(...page.data);
    cursor = page.hasMore && page.cursor ? page.cursor : undefined;
  } while (cursor);
  return versions;
}
