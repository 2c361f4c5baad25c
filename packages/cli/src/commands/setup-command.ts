import type { Command } from 'commander';
import { describeError, ReportedFailure } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { contextOf } from '../command-context.js';
import { withWorld } from '../open-world.js';
import { printJson, printTable } from '../output.js';
import { worldParts } from '../world-parts.js';

interface SetupOutcome {
  part: string;
  provider: string;
  status: 'done' | 'nothing to do' | 'failed';
  detail: string;
  /** What `setup()` returned, e.g. a migration report. */
  result?: unknown;
  durationMs: number;
}

/**
 * `worldkit setup`: runs `setup()` on every part that has one (tables, queues, migrations), so
 * a release step can prepare the backends with a privileged role before the app starts.
 * Setup is idempotent by contract; parts without it connect (and migrate) on first use.
 */
export function registerSetupCommand(program: Command, io: CliIo): void {
  program
    .command('setup')
    .description('create tables, queues and run migrations for every part that needs it')
    .action(async (_options: unknown, command: Command) => {
      const context = contextOf(io, command);
      await withWorld(io, context.config, async ({ world }) => {
        const outcomes: SetupOutcome[] = [];
        for (const part of worldParts(world)) {
          if (part.slot === 'compute') continue;
          const provider = `${part.provider.name} (${part.provider.packageName})`;
          const setup = (part.instance as { setup?: () => Promise<unknown> }).setup;
          const began = Date.now();
          if (typeof setup !== 'function') {
            outcomes.push({
              part: part.slot,
              provider,
              status: 'nothing to do',
              detail: 'no setup(); connects on first use',
              durationMs: 0,
            });
            continue;
          }
          try {
            const result = await setup.call(part.instance);
            outcomes.push({
              part: part.slot,
              provider,
              status: 'done',
              detail:
                result === undefined ? 'setup() completed' : `setup(): ${JSON.stringify(result)}`,
              ...(result === undefined ? {} : { result }),
              durationMs: Date.now() - began,
            });
          } catch (error) {
            outcomes.push({
              part: part.slot,
              provider,
              status: 'failed',
              detail: describeError(error),
              durationMs: Date.now() - began,
            });
          }
        }
        const failed = outcomes.filter((outcome) => outcome.status === 'failed');
        if (context.json) {
          printJson(context, { ok: failed.length === 0, parts: outcomes });
        } else {
          printTable(
            context,
            ['part', 'provider', 'status', 'detail', 'ms'],
            outcomes.map((outcome) => [
              outcome.part,
              outcome.provider,
              outcome.status,
              outcome.detail,
              outcome.durationMs,
            ]),
          );
        }
        if (failed.length > 0) {
          throw new ReportedFailure(
            `setup failed for ${failed.map((outcome) => `${outcome.part} (${outcome.detail})`).join(', ')}`,
            1,
          );
        }
      });
    });
}
