import { maskUrlSecrets, type Version } from '@worldkit/core';
import type { CommandContext } from './command-context.js';
import { printFields, printJson, printTable } from './output.js';

/**
 * How versions look in tables and JSON: the stored record, except that its address shows no
 * secret (query values such as a Vercel protection-bypass token, and user-info are masked).
 */
export function shownVersion(version: Version): Version {
  return version.address === undefined
    ? version
    : { ...version, address: maskUrlSecrets(version.address) };
}

export function manifestSummary(version: Version): string {
  if (!version.manifest) return '-';
  const count = (group: Record<string, Record<string, unknown>> | undefined) =>
    Object.values(group ?? {}).reduce((total, byName) => total + Object.keys(byName).length, 0);
  return `${count(version.manifest.workflows)} workflows, ${count(version.manifest.steps)} steps`;
}

export function printVersion(
  context: CommandContext,
  version: Version,
  currentId: string | null,
): void {
  if (context.json) {
    printJson(context, { ...shownVersion(version), current: version.id === currentId });
    return;
  }
  printFields(context, [
    ['id', version.id],
    ['label', version.label],
    ['status', version.status],
    ['current', version.id === currentId ? 'yes' : 'no'],
    ['ramp', version.rampPercent === undefined ? undefined : `${version.rampPercent}%`],
    ['address', shownVersion(version).address],
    ['manifest', manifestSummary(version)],
    ['created', version.createdAt],
    ['updated', version.updatedAt],
    ['promoted', version.promotedAt],
  ]);
}

export function printVersionTable(
  context: CommandContext,
  versions: Version[],
  currentId: string | null,
): void {
  printTable(
    context,
    ['', 'id', 'label', 'status', 'ramp', 'address', 'manifest', 'created'],
    versions.map((version) => [
      version.id === currentId ? '*' : '',
      version.id,
      version.label,
      version.status,
      version.rampPercent === undefined ? undefined : `${version.rampPercent}%`,
      shownVersion(version).address,
      manifestSummary(version),
      version.createdAt,
    ]),
  );
}
