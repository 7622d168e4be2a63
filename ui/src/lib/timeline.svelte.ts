import type { Backend } from './backend';
import { errorMessage } from './errors';
import type { Message } from './types';
import { HeightIndex } from './windowing';

/** The height a row counts with until it is measured. */
export const ESTIMATED_ROW_HEIGHT = 64;

/**
 * The loaded part of one conversation, oldest first. Pages come from the local
 * cache through `messages_page`: the newest page first, older pages as the user
 * scrolls up. The array is replaced, never mutated, so 100 000 rows stay cheap
 * for Svelte to track.
 */
export class MessageTimeline {
  messages = $state.raw<Message[]>([]);
  hasOlder = $state(true);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Row heights, kept in step with `messages`; `layoutVersion` changes whenever they do. */
  heights = new HeightIndex(0, ESTIMATED_ROW_HEIGHT);
  layoutVersion = $state(0);

  private readonly backend: Backend;
  readonly conversationId: string;
  readonly pageSize: number;

  constructor(backend: Backend, conversationId: string, pageSize = 100) {
    this.backend = backend;
    this.conversationId = conversationId;
    this.pageSize = pageSize;
  }

  async loadLatest(): Promise<void> {
    await this.fetch(undefined, (page) => {
      this.messages = page;
      this.heights = new HeightIndex(page.length, ESTIMATED_ROW_HEIGHT);
      this.layoutVersion++;
    });
    this.loaded = true;
  }

  /** Loads the page before the oldest loaded message; resolves to how many rows were added at the top. */
  async loadOlder(): Promise<number> {
    const oldest = this.messages[0];
    if (!this.hasOlder || this.loading || !oldest) return 0;
    let added = 0;
    await this.fetch(oldest.id, (page) => {
      const known = new Set(this.messages.map((m) => m.id));
      const fresh = page.filter((m) => !known.has(m.id));
      added = fresh.length;
      this.messages = [...fresh, ...this.messages];
      this.heights.prepend(added);
      this.layoutVersion++;
    });
    return added;
  }

  /** A message that arrived or changed: replaced in place, or added at the end. */
  upsert(message: Message): 'changed' | 'appended' | 'ignored' {
    if (message.conversation_id !== this.conversationId) return 'ignored';
    const at = this.messages.findIndex((m) => m.id === message.id);
    if (at >= 0) {
      const next = this.messages.slice();
      next[at] = message;
      this.messages = next;
      return 'changed';
    }
    this.messages = [...this.messages, message];
    this.heights.append(1);
    this.layoutVersion++;
    return 'appended';
  }

  /** Removes a deleted or expired message; resolves to its former row, or -1. */
  remove(messageId: string): number {
    const at = this.messages.findIndex((m) => m.id === messageId);
    if (at >= 0) {
      this.messages = this.messages.filter((_, i) => i !== at);
      this.heights.remove(at);
      this.layoutVersion++;
    }
    return at;
  }

  /** Records a row's measured height; returns how much the list grew. */
  measured(row: number, height: number): number {
    const delta = this.heights.set(row, height);
    if (delta !== 0) this.layoutVersion++;
    return delta;
  }

  private async fetch(before: string | undefined, apply: (page: Message[]) => void): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const request = { conversationId: this.conversationId, limit: this.pageSize };
      const page = await this.backend.messagesPage(before === undefined ? request : { ...request, before });
      apply(page.messages);
      this.hasOlder = page.has_more;
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }
}
