import { isTerminalWorkflowRunStatus } from '@workflow/world';
import { accept, type Context, plannedEvent, type Request, toDate } from './context.js';
import type { RunFacts } from './facts.js';
import type { EventPlan, Rejection } from './plan.js';
import { conflict, notFound } from './rejections.js';

type WaitRequest = Request<'wait_created' | 'wait_completed'>;

/** A created wait must be new; a wait completes once, and ends with its run. */
export function checkWaitEvent(
  context: Context,
  run: RunFacts,
  event: WaitRequest,
): Rejection | undefined {
  const { wait } = context.facts;
  const id = event.correlationId;
  if (event.eventType === 'wait_created') {
    return wait ? conflict(`Wait "${id}" already exists`) : undefined;
  }
  if (!wait || isTerminalWorkflowRunStatus(run.status)) return notFound(`Wait "${id}" not found`);
  if (wait.status === 'completed') return conflict(`Wait "${id}" already completed`);
  return undefined;
}

export function decideWaitEvent(context: Context, event: WaitRequest): EventPlan {
  const { now } = context;
  const logged = [plannedEvent(context, event)];
  switch (event.eventType) {
    case 'wait_created':
      return accept(
        context,
        logged,
        [
          {
            entity: 'wait',
            op: 'create',
            wait: {
              waitId: event.correlationId,
              resumeAt: toDate(event.eventData.resumeAt),
              specVersion: context.specVersion,
              createdAt: now,
            },
          },
        ],
        'wait',
      );
    case 'wait_completed':
      return accept(
        context,
        logged,
        [{ entity: 'wait', op: 'complete', waitId: event.correlationId, completedAt: now }],
        'wait',
      );
  }
}
