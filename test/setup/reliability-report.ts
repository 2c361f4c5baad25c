import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIGURES_FILE, type ReliabilityFigures } from '../reliability/figures.js';

/**
 * Global setup of the root vitest config: gives every test file (and the worker processes
 * they spawn) a directory to record reliability figures in, and prints them as one table
 * once the whole run is over. Only what the tests measured is printed; nothing when no
 * reliability test ran.
 */
export default function setup() {
  const directory = mkdtempSync(join(tmpdir(), 'worldkit-reliability-'));
  process.env.WORLDKIT_RELIABILITY_DIR = directory;
  return () => {
    const file = join(directory, FIGURES_FILE);
    const rows: ReliabilityFigures[] = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as ReliabilityFigures)
      : [];
    rmSync(directory, { recursive: true, force: true });
    if (rows.length === 0) return;
    process.stdout.write(`\n${reliabilityTable(rows)}\n`);
  };
}

export function reliabilityTable(rows: ReliabilityFigures[]): string {
  const sorted = [...rows].sort(
    (a, b) => a.scenario.localeCompare(b.scenario) || a.composition.localeCompare(b.composition),
  );
  const header = [
    'scenario',
    'composition',
    'runs',
    'completed',
    'lost',
    'stuck',
    'dup events',
    'duration',
    'fault',
  ];
  const body = sorted.map((row) => [
    row.scenario,
    row.composition,
    String(row.runs),
    String(row.completed),
    String(row.lost),
    String(row.stuck),
    String(row.duplicateEvents),
    `${(row.durationMs / 1000).toFixed(1)} s`,
    row.detail,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [
    `Reliability figures (measured by this run, ${new Date().toISOString()})`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...body.map(line),
  ].join('\n');
}
