import type { Event, StructuredError } from '@workflow/world';

/**
 * What `decide` answers: refuse the event (nothing is written) or accept it with the events to
 * append and the entity writes to make, all as data. A backend applies an acceptance in one
 * atomic write; every backend refuses with the same error, status and message.
 */
export type EventPlan = Rejection | Acceptance;

/** The `@workflow/errors` class a refusal is raised as (`rejectionError`). */
export type RejectionErrorName =
  | 'WorkflowWorldError'
  | 'WorkflowRunNotFoundError'
  | 'HookNotFoundError'
  | 'EntityConflictError'
  | 'RunExpiredError'
  | 'TooEarlyError'
  | 'PreconditionFailedError'
  | 'RunNotSupportedError';

export interface Rejection {
  kind: 'reject';
  error: RejectionErrorName;
  /** HTTP status the refusal stands for: 400, 404, 409, 410, 412 or 425. */
  status: number;
  message: string;
  /** TooEarlyError: seconds until the step may start. */
  retryAfter?: number;
  /** WorkflowRunNotFoundError: the run; HookNotFoundError: the hook id. */
  subject?: string;
  /** RunNotSupportedError: the run's spec version. */
  specVersion?: number;
}

export interface Acceptance {
  kind: 'accept';
  runId: string;
  /** Events to append, in order; empty for a repeated `run_started` and a legacy cancel. */
  events: PlannedEvent[];
  /** Entity changes, to land in the same atomic write as the events. */
  writes: EntityWrite[];
  /** What the caller gets back once the write is applied. */
  respond: ResultShape;
}

/** An event to append; the backend gives it an id (in commit order) and `createdAt` = `now`. */
export interface PlannedEvent {
  eventType: Event['eventType'];
  correlationId?: string;
  eventData?: unknown;
  specVersion: number;
  occurredAt?: Date;
  /**
   * A step result or hook payload written outside a replay: writing it moves the run's
   * `stateUpdatedAt` marker to this event's ULID time.
   */
  external: boolean;
}

export type EntityWrite =
  | { entity: 'run'; op: 'create'; run: NewRun }
  | { entity: 'run'; op: 'update'; update: RunUpdate }
  | { entity: 'step'; op: 'create'; step: NewStep }
  | { entity: 'step'; op: 'update'; stepId: string; update: StepUpdate }
  | { entity: 'hook'; op: 'create'; hook: NewHook }
  | { entity: 'hook'; op: 'delete'; hookId: string; token: string }
  | { entity: 'wait'; op: 'create'; wait: NewWait }
  | { entity: 'wait'; op: 'complete'; waitId: string; completedAt: Date };

export interface NewRun {
  runId: string;
  deploymentId: string;
  workflowName: string;
  input: unknown;
  executionContext?: unknown;
  specVersion: number;
  /** `running` (with `startedAt`) when a resilient `run_started` creates the run. */
  status: 'pending' | 'running';
  createdAt: Date;
  startedAt?: Date;
}

/** Fields to set on the run; absent fields stay as they are. */
export interface RunUpdate {
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  updatedAt: Date;
  /** `run_started`: the first start only, so a backend keeps a `startedAt` the run already has. */
  startedAt?: Date;
  completedAt?: Date;
  /** Set when the key is present (`run_completed`). */
  output?: unknown;
  error?: StructuredError & { code?: string };
  /** A run ending deletes its hooks (releasing their tokens) and its waits. */
  releaseHooksAndWaits: boolean;
}

export interface NewStep {
  stepId: string;
  stepName: string;
  input: unknown;
  specVersion: number;
  createdAt: Date;
}

/** Fields to set on the step; absent fields stay as they are. */
export interface StepUpdate {
  status: 'pending' | 'running' | 'completed' | 'failed';
  updatedAt: Date;
  attempt?: number;
  startedAt?: Date;
  completedAt?: Date;
  /** Set when the key is present (`step_completed`). */
  output?: unknown;
  error?: StructuredError;
  /** A date sets it, null clears it, absent leaves it. */
  retryAfter?: Date | null;
}

export interface NewHook {
  hookId: string;
  token: string;
  metadata?: unknown;
  isWebhook: boolean;
  specVersion: number;
  createdAt: Date;
}

export interface NewWait {
  waitId: string;
  resumeAt: Date;
  specVersion: number;
  createdAt: Date;
}

export interface ResultShape {
  /**
   * The entity the result carries, as it is after the write: the run for `run_*` events, the
   * step for `step_*`, the hook for `hook_created`, the wait for `wait_*`.
   */
  entity?: 'run' | 'step' | 'hook' | 'wait';
  /**
   * `run_started`: also return the run's log as of this write, which saves the runtime its first
   * `events.list`. Optional: a backend that cannot read the log inside its write leaves it out.
   */
  preloadEvents: boolean;
  /** The per-run event ceiling the runtime enforces, on every result that carries the run. */
  maxEvents?: number;
  resolveData: 'all' | 'none';
}
