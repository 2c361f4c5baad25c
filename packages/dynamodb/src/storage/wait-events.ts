import { EntityConflictError, WorkflowWorldError } from '@workflow/errors';
import { type EventResult, isTerminalWorkflowRunStatus } from '@workflow/world';
import { type RunItem, SCHEMA_VERSION, toWait, type WaitItem } from './entity-items.js';
import { type EventWrite, type Request, terminalRunRefuses, toDate } from './event-write.js';
import { waitKey } from './keys.js';

export async function changeWait(
  write: EventWrite,
  run: RunItem,
  wait: WaitItem | undefined,
  data: Request<'wait_created' | 'wait_completed'>,
): Promise<EventResult> {
  let updated: WaitItem;
  if (data.eventType === 'wait_created') {
    if (isTerminalWorkflowRunStatus(run.status)) throw terminalRunRefuses(run.status);
    if (wait) throw new EntityConflictError(`Wait "${data.correlationId}" already exists`);
    updated = {
      ...waitKey(run.runId, data.correlationId),
      entity: 'wait',
      schemaVersion: SCHEMA_VERSION,
      runId: run.runId,
      waitId: data.correlationId,
      status: 'waiting',
      resumeAt: toDate(data.eventData.resumeAt).getTime(),
      specVersion: write.specVersion,
      createdAt: write.now,
      updatedAt: write.now,
    };
    write.put(updated, 'attribute_not_exists(pk)');
  } else {
    if (!wait) throw new WorkflowWorldError(`Wait "${data.correlationId}" not found`);
    if (wait.status === 'completed') {
      throw new EntityConflictError(`Wait "${data.correlationId}" already completed`);
    }
    updated = { ...wait, status: 'completed', completedAt: write.now, updatedAt: write.now };
    write.put(updated);
  }
  const event = write.event({
    eventType: data.eventType,
    correlationId: data.correlationId,
    eventData: data.eventData,
  });
  await write.commit();
  return { event, wait: toWait(updated) };
}
