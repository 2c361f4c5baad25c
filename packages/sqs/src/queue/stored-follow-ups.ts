/** Most SQS message ids remembered; a delete rarely fails, so this stays near empty. */
const MAX_REMEMBERED = 10_000;

/**
 * SQS message ids whose follow-up (redelivery or dead letter) is stored but whose delete has
 * not succeeded yet. If SQS hands such a message out again, it is only deleted.
 */
export class StoredFollowUps {
  readonly #ids = new Set<string>();

  has(messageId: string | undefined): boolean {
    return messageId !== undefined && this.#ids.has(messageId);
  }

  add(messageId: string | undefined): void {
    if (messageId === undefined) return;
    this.#ids.add(messageId);
    if (this.#ids.size > MAX_REMEMBERED) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }

  delete(messageId: string | undefined): void {
    if (messageId !== undefined) this.#ids.delete(messageId);
  }
}
