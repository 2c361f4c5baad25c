import { maskUrlSecrets } from '@worldkit/core';
import Table from 'cli-table3';
import type { CommandContext } from './command-context.js';

type Cell = string | number | boolean | null | undefined | Date;

/**
 * Machine-readable output: one JSON document on stdout (dates as ISO strings). Any `address`
 * in it is masked as a last line of defence: version addresses may carry access tokens.
 */
export function printJson(context: CommandContext, value: unknown): void {
  context.io.stdout.write(`${JSON.stringify(value, hideAddressSecrets, 2)}\n`);
}

function hideAddressSecrets(key: string, value: unknown): unknown {
  return key === 'address' && typeof value === 'string' ? maskUrlSecrets(value) : value;
}

export function printLine(context: CommandContext, text: string): void {
  context.io.stdout.write(`${text}\n`);
}

/** Notes for humans go to stderr, so stdout stays the command's result even without `--json`. */
export function printNotice(context: CommandContext, text: string): void {
  context.io.stderr.write(`worldkit: ${text}\n`);
}

/** A table with a header row; empty tables print `(none)` under the caption instead. */
export function printTable(
  context: CommandContext,
  head: string[],
  rows: Cell[][],
  caption?: string,
): void {
  if (caption) printLine(context, caption);
  if (rows.length === 0) {
    printLine(context, '(none)');
    return;
  }
  const table = new Table({ head, style: plainStyle });
  for (const row of rows) table.push(row.map(formatCell));
  printLine(context, table.toString());
}

/** One record as a two-column table of field and value. */
export function printFields(context: CommandContext, fields: Array<[string, Cell]>): void {
  const table = new Table({ style: plainStyle });
  for (const [name, value] of fields) table.push({ [name]: formatCell(value) });
  printLine(context, table.toString());
}

// No colours: output is often piped into files and CI logs, where escape codes are noise.
// Compact: a rule under the header, none between body rows.
const plainStyle = { head: [], border: [], compact: true };

export function formatCell(value: Cell): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return formatDate(value);
  return String(value);
}

export function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
