/**
 * Every value that crosses the bridge between the webview and the Rust side.
 * Field names are snake_case, as serde writes them; see docs/desktop-commands.md.
 */

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'limit'
  | 'offline'
  | 'invalid_nick'
  | 'internal';

/** What every failed command rejects with. `message` is shown to the user as is. */
export interface CommandError {
  code: ErrorCode;
  message: string;
  /** For `conflict` on a nick: why it is not free. */
  reason?: 'taken' | 'quarantine';
}

export type Theme = 'system' | 'light' | 'dark';
export type SyncState = 'online' | 'offline' | 'syncing';
export type TokenKind = 'nick' | 'email' | 'phone';

/** Why a nick, e-mail or phone number cannot be used, as tokens.md defines it. */
export type Refusal =
  | 'empty'
  | 'too_short'
  | 'too_long'
  | 'invisible'
  | 'at_sign'
  | 'phone_shape'
  | 'confusable'
  | 'character'
  | 'taken'
  | 'quarantine'
  | 'not_an_email'
  | 'not_a_phone'
  | 'not_mobile';

/** The normalized form of a typed value, or why it is refused. */
export interface Normalized {
  normalized: string | null;
  refusal: Refusal | null;
}

export interface Profile {
  display_name: string;
  /** Only ever a `data:image/...` URL; never a remote address. */
  avatar: string | null;
}

export interface Account {
  party_id: string;
  /** The nick the account was registered or logged in with, as the user typed it. */
  nick: string | null;
  profile: Profile;
}

export interface AppState {
  server_url: string;
  account: Account | null;
  sync: SyncState;
}

export type NickCheck = 'checked' | 'not_checked' | 'mismatch';

/** A waiting HELLO addressed to this party. */
export interface Invitation {
  connector_id: string;
  kind: 'p2p' | 'group';
  /** For a group invitation: the group's name. */
  group_name: string | null;
  display_name: string;
  /** The nick as the sender presented it; null when none was shared. */
  nick: string | null;
  avatar: string | null;
  message: string;
  received_at: string;
  signed: boolean;
  nick_check: NickCheck;
  /** 60 digits, no spaces. */
  safety_number: string;
}

export interface BlockedConnector {
  connector_id: string;
  display_name: string;
  nick: string | null;
  blocked_at: string;
}

export interface ShareChoice {
  display_name: boolean;
  /** Which of the user's own nicks to present, or null for none. */
  nick: string | null;
  avatar: boolean;
}

export type ConnectResult =
  | { result: 'requested'; conversation: Conversation }
  | { result: 'not_found' };

export interface MessagePreview {
  body: string;
  sent_at: string;
  from_me: boolean;
}

export interface Conversation {
  id: string;
  kind: 'p2p' | 'group';
  title: string;
  /** waiting: an outgoing request not yet accepted (or a group invitation pending). */
  state: 'waiting' | 'accepted';
  unread: number;
  last_message: MessagePreview | null;
  updated_at: string;
  disappearing_seconds: number | null;
  /** A peer's keys changed since they were pinned and the user has not decided yet. */
  key_changed: boolean;
  /** Whether the user owns this group (may invite and remove). */
  is_owner: boolean;
}

export type MessageState = 'queued' | 'sent' | 'failed';

export interface Message {
  id: string;
  conversation_id: string;
  /** True for messages from any of the user's own devices. */
  from_me: boolean;
  author_name: string;
  body: string;
  sent_at: string;
  state: MessageState;
  /** False: shown as "could not be verified". */
  signed: boolean;
  edited: boolean;
  expires_at: string | null;
  reply_to: { id: string; author_name: string; body: string } | null;
}

/** Messages oldest first; `has_more` says whether more exist in the direction asked. */
export interface MessagePage {
  messages: Message[];
  has_more: boolean;
}

export interface PageRequest {
  conversationId: string;
  before?: string;
  after?: string;
  limit: number;
}

export interface Contact {
  contact_id: string;
  display_name: string;
  nick: string | null;
  conversation_id: string;
}

export interface GroupMember {
  contact_id: string;
  display_name: string;
  role: 'owner' | 'member';
  state: 'waiting' | 'accepted' | 'left' | 'removed';
  is_me: boolean;
}

export interface SafetyNumber {
  /** 60 digits, no spaces. */
  digits: string;
  verified: boolean;
  key_changed: boolean;
}

export interface IdentityEntry {
  token_id: string;
  kind: TokenKind;
  /** The plain value, kept only in the encrypted account data. */
  value: string;
  searchable: boolean;
  confirmed: boolean;
}

export interface Device {
  device_id: string;
  name: string;
  created_at: string;
  last_seen_at: string;
  current: boolean;
}

export interface Settings {
  notifications: boolean;
  /** ISO 3166 alpha-2, used to read phone numbers typed without +. */
  phone_region: string;
  theme: Theme;
}

export interface KdfProgress {
  /** 0..1 */
  fraction: number;
}

export interface ItemRemoved {
  conversation_id: string;
  message_id: string;
}

export interface OpenConversation {
  conversation_id: string;
}

export interface OpenConnect {
  kind: TokenKind;
  value: string;
}
