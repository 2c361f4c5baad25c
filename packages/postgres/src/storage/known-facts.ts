import type { EventFacts, HookFacts, RunFacts, StepFacts, WaitFacts } from '@worldkit/core';
import type { EventTarget } from './event-statement.js';

/** Entries kept per kind; the oldest are forgotten first. */
const MAX_ENTRIES = 10_000;

/** A bounded map that forgets its least recently written entries. */
class Recent<V> {
  readonly #entries = new Map<string, V>();
  get(key: string): V | undefined {
    return this.#entries.get(key);
  }
  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > MAX_ENTRIES) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }
  delete(key: string): void {
    this.#entries.delete(key);
  }
}

const inRun = (runId: string, id: string) => `${runId}\u0000${id}`;

/**
 * The facts this process last saw for each run and entity it wrote, so the next event on
 * them can skip reading facts: the write statement checks them anyway and answers the real
 * ones when they differ (`event-statement.ts`). A guess is therefore only ever a saving —
 * never trusted for a refusal, and never wrong for longer than one statement. Another process
 * writing the same run makes guesses miss, which costs what not guessing costs: one more
 * statement.
 */
export class KnownFacts {
  readonly #runs = new Recent<RunFacts>();
  readonly #steps = new Recent<StepFacts | null>();
  readonly #hooks = new Recent<HookFacts | null>();
  readonly #holders = new Recent<{ runId: string; hookId: string } | null>();
  readonly #waits = new Recent<WaitFacts | null>();

  /**
   * A guess at the facts for `target`, or undefined when the run itself is not known (then
   * they are read). An entity not seen yet is guessed absent, which is what the events that
   * create one expect.
   */
  guess(target: EventTarget, now: Date): EventFacts | undefined {
    const run = this.#runs.get(target.runId);
    if (!run) return undefined;
    const facts: EventFacts = { now, runId: target.runId, run };
    if (target.stepId !== null) {
      const step = this.#steps.get(inRun(target.runId, target.stepId));
      if (step) facts.step = step;
    }
    if (target.hookId !== null) {
      const hook = this.#hooks.get(target.hookId);
      if (hook) facts.hook = hook;
    }
    if (target.token !== null) {
      const holder = this.#holders.get(target.token);
      if (holder) facts.tokenHolder = holder;
    }
    if (target.waitId !== null) {
      const wait = this.#waits.get(inRun(target.runId, target.waitId));
      if (wait) facts.wait = wait;
    }
    return facts;
  }

  /** Remembers facts as they are now (read, or answered by a write that did not apply). */
  remember(target: EventTarget, facts: EventFacts): void {
    if (!facts.run) {
      this.#runs.delete(target.runId);
      return;
    }
    this.#runs.set(target.runId, facts.run);
    if (target.stepId !== null) {
      this.#steps.set(inRun(target.runId, target.stepId), facts.step ?? null);
    }
    if (target.hookId !== null) this.#hooks.set(target.hookId, facts.hook ?? null);
    if (target.token !== null) this.#holders.set(target.token, facts.tokenHolder ?? null);
    if (target.waitId !== null) {
      this.#waits.set(inRun(target.runId, target.waitId), facts.wait ?? null);
    }
  }

  /** Forgets a run ended by this process: nothing more will be written to it. */
  forgetRun(runId: string): void {
    this.#runs.delete(runId);
  }

  /** Forgets a hook this process deleted, and the token it held. */
  forgetHook(hookId: string, token: string): void {
    this.#hooks.set(hookId, null);
    this.#holders.set(token, null);
  }
}
