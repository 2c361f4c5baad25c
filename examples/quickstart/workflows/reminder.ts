import { sleep } from 'workflow';

/**
 * A durable timer: while the run sleeps nothing executes; the queue redelivers the run's
 * message when the timer is due, even if this process had restarted in between.
 */
export async function remindLater(userId: string, delay: string) {
  'use workflow';

  const scheduledAt = await scheduleReminder(userId);
  await sleep(delay);
  const deliveredAt = await deliverReminder(userId);
  return { userId, scheduledAt, deliveredAt, sleptMs: deliveredAt - scheduledAt };
}

async function scheduleReminder(userId: string) {
  'use step';
  void userId;
  return Date.now();
}

async function deliverReminder(userId: string) {
  'use step';
  void userId;
  return Date.now();
}
