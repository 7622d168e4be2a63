import type { Conversation } from './types';

function lastActivity(c: Conversation): string {
  return c.last_message?.sent_at ?? c.updated_at;
}

/** Newest first, by the last message (or the last change when there is none). */
export function sortConversations(list: Conversation[]): Conversation[] {
  return list.slice().sort((a, b) => Date.parse(lastActivity(b)) - Date.parse(lastActivity(a)));
}

/** Replaces a conversation by id (or adds it) and keeps the list newest first. */
export function upsertConversation(list: Conversation[], changed: Conversation): Conversation[] {
  return sortConversations([...list.filter((c) => c.id !== changed.id), changed]);
}
