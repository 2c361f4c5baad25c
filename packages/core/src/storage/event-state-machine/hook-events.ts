import { isTerminalWorkflowRunStatus } from '@workflow/world';
import { accept, type Context, plannedEvent, type Request } from './context.js';
import type { RunFacts } from './facts.js';
import type { EventPlan, Rejection } from './plan.js';
import { conflict, hookNotFound } from './rejections.js';

type HookRequest = Request<'hook_created' | 'hook_received' | 'hook_disposed'>;

/** A created hook must be new; a used one must be live and belong to the run. */
export function checkHookEvent(
  context: Context,
  run: RunFacts,
  event: HookRequest,
): Rejection | undefined {
  const { hook, hookIdUsed } = context.facts;
  const id = event.correlationId;
  if (event.eventType === 'hook_created') {
    return hook || hookIdUsed ? conflict(`Hook "${id}" already exists`) : undefined;
  }
  // A disposed hook is gone, so a payload can never land after its hook_disposed (rule 4); a
  // run's hooks end with it, whatever items a backend has yet to delete.
  if (!hook || hook.runId !== context.runId || isTerminalWorkflowRunStatus(run.status)) {
    return hookNotFound(id);
  }
  return undefined;
}

export function decideHookEvent(context: Context, event: HookRequest): EventPlan {
  const logged = [plannedEvent(context, event)];
  switch (event.eventType) {
    case 'hook_created':
      return decideHookCreated(context, event);
    case 'hook_received':
      return accept(context, logged, []);
    case 'hook_disposed':
      return accept(context, logged, [
        {
          entity: 'hook',
          op: 'delete',
          hookId: event.correlationId,
          token: context.facts.hook!.token,
        },
      ]);
  }
}

/**
 * Storage rule 4: a token held by another live hook is not an error; the claimant gets a
 * `hook_conflict` event and no hook.
 */
function decideHookCreated(context: Context, event: Request<'hook_created'>): EventPlan {
  const { token, metadata, isWebhook } = event.eventData;
  const holder = context.facts.tokenHolder;
  if (holder) {
    return accept(context, [
      {
        ...plannedEvent(context, event),
        eventType: 'hook_conflict',
        eventData: { token, conflictingRunId: holder.runId },
      },
    ]);
  }
  return accept(
    context,
    [plannedEvent(context, event)],
    [
      {
        entity: 'hook',
        op: 'create',
        hook: {
          hookId: event.correlationId,
          token,
          metadata,
          isWebhook: isWebhook ?? false,
          specVersion: context.specVersion,
          createdAt: context.now,
        },
      },
    ],
    'hook',
  );
}
