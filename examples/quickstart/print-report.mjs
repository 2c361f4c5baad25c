/** Turns what the quickstart observed into the few lines a newcomer reads. */

export function formatDuration(ms) {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Which provider fills each slot of the composed World, and where data lives. */
export function printComposition(world, { configFile, dataDir }) {
  const { providers, deploymentId } = world.worldkit;
  console.log('Worldkit quickstart: real workflows on the embedded default World\n');
  console.log(`World composed by createWorld() from ${configFile}`);
  for (const slot of ['storage', 'queue', 'streamer', 'versions', 'compute']) {
    const provider = providers[slot];
    const { durable } = provider.capabilities;
    const persistence = durable === undefined ? '' : durable ? '  (durable)' : '  (in memory)';
    console.log(
      `  ${slot.padEnd(9)} ${provider.name.padEnd(11)} from ${provider.packageName}${persistence}`,
    );
  }
  console.log(`  data dir  ${dataDir}`);
  console.log(`  version   ${deploymentId} (the deployment id every run and message carries)\n`);
}

/** One block per run: header line, its steps as a table, then what else happened. */
export function printRun(history, notes) {
  console.log(
    `${history.workflow}  ${history.runId}  ${history.status.toUpperCase()} in ${formatDuration(history.durationMs)}` +
      `  (${history.eventCount} events)`,
  );
  const rows = history.steps.map((step) => [
    step.name,
    String(step.attempt),
    step.status,
    formatDuration(step.durationMs),
    step.failedAttempts.map((error, index) => `attempt ${index + 1} failed: ${error}`).join('; '),
  ]);
  printTable(['step', 'attempt', 'status', 'duration', ''], rows, '  ');
  for (const sleep of history.sleeps) {
    console.log(`  sleep     durable timer fired after ${formatDuration(sleep.durationMs)}`);
  }
  for (const line of notes) console.log(`  ${line}`);
  if (history.error) console.log(`  error     ${history.error}`);
  console.log('');
}

function printTable(header, rows, indent) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const numeric = new Set([1, 3]);
  const line = (cells) =>
    indent +
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
