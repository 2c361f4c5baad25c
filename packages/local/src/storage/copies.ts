import type {
  Event,
  Hook,
  ResolveData,
  Step,
  StepWithoutData,
  Wait,
  WorkflowRun,
  WorkflowRunWithoutData,
} from '@workflow/world';
import { stripEventDataRefs } from '@workflow/world';

/**
 * Deep copy of stored data: plain objects, arrays, Dates and byte arrays are copied; anything
 * else is passed through. Stored state lives in memory, so every value that crosses the storage
 * boundary (in or out) is copied, or a caller could change stored runs by mutating a result.
 * Hand-written because it is several times faster than `structuredClone` on these small shapes.
 */
export function copyValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  // `new Uint8Array(bytes)` copies; `Buffer#slice` would share memory.
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copyValue) as T;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    copy[key] = copyValue((value as Record<string, unknown>)[key]);
  }
  return copy as T;
}

export function presentRun(
  run: WorkflowRun,
  resolveData: ResolveData,
): WorkflowRun | WorkflowRunWithoutData {
  if (resolveData === 'none') {
    return copyValue({ ...run, input: undefined, output: undefined });
  }
  return copyValue(run);
}

export function presentStep(step: Step, resolveData: ResolveData): Step | StepWithoutData {
  if (resolveData === 'none') return copyValue({ ...step, input: undefined, output: undefined });
  return copyValue(step);
}

export function presentHook(hook: Hook, resolveData: ResolveData): Hook {
  if (resolveData === 'none') {
    const { metadata: _metadata, ...withoutMetadata } = hook;
    return copyValue(withoutMetadata);
  }
  return copyValue(hook);
}

export function presentEvent(event: Event, resolveData: ResolveData): Event {
  return copyValue(stripEventDataRefs(event, resolveData));
}

export function presentWait(wait: Wait): Wait {
  return copyValue(wait);
}
