import type {
  CreateEventParams,
  CreateEventRequest,
  RunCreatedEventRequest,
} from '@workflow/world';

export type AnyEventRequest = CreateEventRequest | RunCreatedEventRequest;

/** What `events.create` was asked: the run it names (null for a `run_created` without one). */
export interface EventRequest {
  runId: string | null;
  event: AnyEventRequest;
  params?: CreateEventParams;
}

/**
 * Everything `decide` reads, loaded by the backend under its own lock or snapshot (the run row
 * lock, the run's write guard, the single writer of a data directory) so it cannot change before
 * the plan is applied. Only what the event targets is loaded: the step of a `step_*` event, the
 * hook of a `hook_*` event, the wait of a `wait_*` event; leave the others undefined.
 */
export interface EventFacts {
  /** The write's time: `createdAt` of what it writes, and the clock of `retryAfter`. */
  now: Date;
  /**
   * The run the event is for. For `run_created` without a run id, the id the backend generated
   * (`wrun_<ulid>`); otherwise the requested one.
   */
  runId: string;
  /** The run, or undefined when it does not exist. */
  run?: RunFacts;
  /** The step named by a `step_*` event's `correlationId`. */
  step?: StepFacts;
  /** The live hook named by a `hook_*` event's `correlationId` (in whatever run holds it). */
  hook?: HookFacts;
  /**
   * For backends that remember disposed hooks: a hook with this id was created before, so
   * `hook_created` cannot create it again. Others leave it undefined.
   */
  hookIdUsed?: boolean;
  /** For `hook_created`: the live hook that holds the requested token, if any. */
  tokenHolder?: { runId: string; hookId: string };
  /** The wait named by a `wait_*` event's `correlationId`. */
  wait?: WaitFacts;
}

export interface RunFacts {
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  /** Absent or null for runs from before spec versions were recorded (legacy, spec 1). */
  specVersion?: number | null;
  /**
   * ULID time (epoch ms) of the run's newest external `step_completed` / `hook_received` (one
   * written without `stateUpdatedAt`); the marker of the `stateUpdatedAt` guard. Undefined or 0
   * when there is none yet.
   */
  externalUpdateAt?: number;
}

export interface StepFacts {
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  attempt: number;
  startedAt?: Date;
  retryAfter?: Date;
}

export interface HookFacts {
  runId: string;
  token: string;
}

export interface WaitFacts {
  status: 'waiting' | 'completed';
}
