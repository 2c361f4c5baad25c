import type { AnyEventRequest } from '@workflow/world';
import { checkEventRequest as checkRequestShape } from '@worldkit/core/internal';
import { copyValue } from './copies.js';

/**
 * Validates a request with the composer's shared check (a typed 400 for anything malformed)
 * and returns a private copy with its dates as `Date`s, so stored state never aliases the
 * caller's objects. The shared check runs here too because the storage can be used without
 * the composer (tests, custom wiring).
 */
export function checkEventRequest(runId: string | null, request: unknown): AnyEventRequest {
  checkRequestShape(runId, request);
  const data = copyValue(request) as Record<string, unknown> & {
    eventData?: Record<string, unknown>;
  };
  const eventData = data.eventData;
  if (data.eventType === 'wait_created' && eventData) {
    eventData.resumeAt = new Date(eventData.resumeAt as string | number | Date);
  }
  if (data.eventType === 'step_retrying' && eventData?.retryAfter !== undefined) {
    eventData.retryAfter = new Date(eventData.retryAfter as string | number | Date);
  }
  return data as unknown as AnyEventRequest;
}
