import type { CreateEventRequest, Event, WorkflowRun, World } from '@workflow/world';

/** What the replayed handler tried to do; nothing of it reached the real World. */
export interface ReplaySandboxRecord {
  /** Events the replay would have written, in order (`run_started` is answered, not recorded). */
  writes: CreateEventRequest[];
  /** Messages the replay would have queued. */
  sends: { queueName: string; message: unknown }[];
}

/**
 * A World that holds one run and its event log in memory and answers the workflow handler
 * from them. Reads of that run come from the copy; event creations are recorded and appended
 * to the copy (so a reload after an elapsed wait sees its `wait_completed`), queue calls are
 * recorded. Everything the handler does not need is absent, so a runtime path that would
 * touch anything else fails the check loudly instead of reaching real storage. The encryption
 * key is the one read the real World answers: the target must decrypt the old run's data.
 */
export function replaySandboxWorld(
  real: World,
  run: WorkflowRun,
  log: Event[],
): { world: World; record: ReplaySandboxRecord } {
  const record: ReplaySandboxRecord = { writes: [], sends: [] };
  const events = [...log];
  const current: WorkflowRun = { ...run };
  const otherRun = (runId: string | null) =>
    new Error(`the replay check only serves run "${run.runId}", not "${runId}"`);

  const create = async (runId: string | null, data: CreateEventRequest) => {
    if (runId !== run.runId) throw otherRun(runId);
    if (data.eventType === 'run_started') return { run: current };
    record.writes.push(data);
    const event = {
      ...data,
      runId,
      eventId: `evnt_replay_check_${String(events.length).padStart(6, '0')}`,
      createdAt: new Date(),
    } as unknown as Event;
    events.push(event);
    return { event, run: current };
  };

  const sandbox = {
    specVersion: real.specVersion,
    getDeploymentId: async () => run.deploymentId,
    getEncryptionKeyForRun: real.getEncryptionKeyForRun?.bind(real),
    queue: async (queueName: string, message: unknown) => {
      record.sends.push({ queueName, message });
      return { messageId: null };
    },
    runs: {
      get: async (runId: string) => {
        if (runId !== run.runId) throw otherRun(runId);
        return current;
      },
    },
    events: {
      create,
      list: async (params: { runId: string; pagination?: { cursor?: string } }) => {
        if (params.runId !== run.runId) throw otherRun(params.runId);
        // The cursor is a position in the copy, which only ever grows at its end.
        const from = Number(params.pagination?.cursor ?? 0) || 0;
        return { data: events.slice(from), cursor: String(events.length), hasMore: false };
      },
    },
  };
  return { world: sandbox as unknown as World, record };
}
