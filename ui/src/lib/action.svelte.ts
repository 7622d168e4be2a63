import { toCommandError } from './backend';
import type { CommandError } from './types';

/** One user action at a time (a form submit, a button): busy flag and the error to show. */
export class Action {
  busy = $state(false);
  error = $state<string | null>(null);
  failure = $state<CommandError | null>(null);

  /** Runs `task`; resolves to its result, or to undefined when it failed (the error is kept). */
  async run<T>(task: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.error = null;
    this.failure = null;
    try {
      return await task();
    } catch (raw) {
      this.failure = toCommandError(raw);
      this.error = this.failure.message;
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Shows a problem found before calling the backend. */
  refuse(message: string): void {
    this.error = message;
  }
}
