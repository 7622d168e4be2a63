import { errorMessage } from './errors';
import type { Normalized } from './types';

/**
 * Checks a value as the user types (nick, e-mail, phone) without flooding the bridge:
 * waits for a pause, and drops answers to anything but the latest input.
 */
export class LiveCheck {
  result = $state<Normalized | null>(null);
  error = $state<string | null>(null);

  private readonly check: (value: string) => Promise<Normalized>;
  private readonly delay: number;
  private sequence = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(check: (value: string) => Promise<Normalized>, delay = 150) {
    this.check = check;
    this.delay = delay;
  }

  update(value: string): void {
    clearTimeout(this.timer);
    const sequence = ++this.sequence;
    if (value.trim() === '') {
      this.result = null;
      this.error = null;
      return;
    }
    this.timer = setTimeout(() => void this.run(value, sequence), this.delay);
  }

  /** Checks right away (on submit) and resolves to the answer. */
  async now(value: string): Promise<Normalized | null> {
    clearTimeout(this.timer);
    const sequence = ++this.sequence;
    await this.run(value, sequence);
    return this.result;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.sequence++;
  }

  private async run(value: string, sequence: number): Promise<void> {
    try {
      const answer = await this.check(value);
      if (sequence !== this.sequence) return;
      this.result = answer;
      this.error = null;
    } catch (e) {
      if (sequence !== this.sequence) return;
      this.result = null;
      this.error = errorMessage(e);
    }
  }
}
