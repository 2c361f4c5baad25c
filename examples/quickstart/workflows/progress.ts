import { getWritable } from 'workflow';

export interface ProgressUpdate {
  stage: string;
  percent: number;
}

/** Streams progress to whoever reads the run's default stream (`run.readable` in main.mjs). */
export async function importContacts(batches: number) {
  'use workflow';

  const writable = getWritable<ProgressUpdate>();
  let imported = 0;
  for (let batch = 1; batch <= batches; batch++) {
    imported += await importBatch(batch, batches, writable);
  }
  await finishImport(writable);
  return { imported };
}

async function importBatch(
  batch: number,
  batches: number,
  writable: WritableStream<ProgressUpdate>,
) {
  'use step';
  const writer = writable.getWriter();
  await writer.write({
    stage: `batch ${batch}/${batches}`,
    percent: Math.round((batch / batches) * 100),
  });
  writer.releaseLock();
  return 25;
}

async function finishImport(writable: WritableStream<ProgressUpdate>) {
  'use step';
  const writer = writable.getWriter();
  await writer.write({ stage: 'done', percent: 100 });
  await writer.close();
}
