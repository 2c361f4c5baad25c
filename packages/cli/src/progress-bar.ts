import { Presets, SingleBar } from 'cli-progress';
import type { CommandContext } from './command-context.js';

export interface ProgressReporter {
  update(progress: { done: number; total: number; status: string }): void;
  stop(): void;
}

const NO_PROGRESS: ProgressReporter = { update() {}, stop() {} };

/**
 * A bar on stderr for long bulk operations. Only on a terminal and never with `--json`: in a
 * pipe or a CI log its redraw codes are noise, and stdout stays clean either way.
 */
export function createProgressBar(context: CommandContext, label: string): ProgressReporter {
  if (context.json || !context.io.stderr.isTTY) return NO_PROGRESS;
  const bar = new SingleBar(
    {
      stream: context.io.stderr as NodeJS.WritableStream,
      format: `${label} [{bar}] {value}/{total} last: {status}`,
      hideCursor: true,
      // Redrawing on every update, not on a timer, so a fast batch still shows its final count.
      fps: 10,
      forceRedraw: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update({ done, total, status }) {
      if (!started) {
        bar.start(total, 0, { status: '-' });
        started = true;
      }
      bar.update(done, { status });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
