import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  Account,
  AppState,
  BlockedConnector,
  CommandError,
  ConnectResult,
  Contact,
  Conversation,
  Device,
  GroupMember,
  IdentityEntry,
  Invitation,
  ItemRemoved,
  KdfProgress,
  Message,
  MessagePage,
  Normalized,
  OpenConnect,
  OpenConversation,
  PageRequest,
  Profile,
  SafetyNumber,
  Settings,
  ShareChoice,
  SyncState,
  TokenKind,
} from './types';

export type Unsubscribe = () => void;
export type Subscribe<T> = (handler: (payload: T) => void) => Promise<Unsubscribe>;

/**
 * The whole contract between the webview and the Rust side: one async function per
 * Tauri command, one subscription per Tauri event. docs/desktop-commands.md is its twin.
 */
export interface Backend {
  appState(): Promise<AppState>;
  setServer(url: string): Promise<void>;
  normalizeNick(nick: string): Promise<Normalized>;
  register(nick: string, password: string, searchable: boolean): Promise<Account>;
  login(value: string, password: string): Promise<Account>;
  recoverStart(kind: 'email' | 'phone', value: string): Promise<void>;
  recoverFinish(kind: 'email' | 'phone', value: string, code: string, password: string): Promise<Account>;
  logout(): Promise<void>;

  profileSet(profile: Profile): Promise<void>;

  invitationsList(): Promise<Invitation[]>;
  invitationAccept(connectorId: string): Promise<Conversation>;
  invitationLeaveWaiting(connectorId: string): Promise<void>;
  invitationBlock(connectorId: string): Promise<void>;
  blockedList(): Promise<BlockedConnector[]>;
  unblock(connectorId: string): Promise<void>;

  describeSearch(kind: TokenKind, value: string): Promise<Normalized>;
  connect(kind: TokenKind, value: string, message: string, share: ShareChoice): Promise<ConnectResult>;
  contactsList(): Promise<Contact[]>;

  conversationsList(): Promise<Conversation[]>;
  messagesPage(request: PageRequest): Promise<MessagePage>;
  sendMessage(conversationId: string, body: string, replyTo?: string): Promise<Message>;
  retryMessage(messageId: string): Promise<Message>;
  editMessage(messageId: string, body: string): Promise<Message>;
  deleteMessage(messageId: string): Promise<void>;
  markRead(conversationId: string, upTo: string): Promise<void>;
  setDisappearing(conversationId: string, seconds: number | null): Promise<void>;

  groupCreate(name: string): Promise<Conversation>;
  groupInvite(conversationId: string, contactId: string): Promise<void>;
  groupMembers(conversationId: string): Promise<GroupMember[]>;
  groupLeave(conversationId: string): Promise<void>;
  groupRemove(conversationId: string, contactId: string): Promise<void>;

  safetyNumber(conversationId: string): Promise<SafetyNumber>;
  markVerified(conversationId: string): Promise<void>;
  acceptKeyChange(conversationId: string): Promise<void>;

  identityList(): Promise<IdentityEntry[]>;
  nickAdd(nick: string, searchable: boolean): Promise<IdentityEntry>;
  emailAdd(email: string, searchable: boolean): Promise<IdentityEntry>;
  phoneAdd(phone: string, region: string, searchable: boolean): Promise<IdentityEntry>;
  confirmCode(tokenId: string, code: string): Promise<IdentityEntry>;
  setSearchable(tokenId: string, searchable: boolean): Promise<void>;
  identityRemove(tokenId: string): Promise<void>;

  devicesList(): Promise<Device[]>;
  deviceRevoke(deviceId: string): Promise<void>;
  passwordChange(oldPassword: string, newPassword: string): Promise<void>;
  keysRotate(): Promise<void>;

  settingsGet(): Promise<Settings>;
  settingsSet(settings: Settings): Promise<void>;

  onKdfProgress: Subscribe<KdfProgress>;
  onSyncState: Subscribe<{ state: SyncState }>;
  onInvitationArrived: Subscribe<Invitation>;
  onMessageArrived: Subscribe<Message>;
  onMessageChanged: Subscribe<Message>;
  onConversationChanged: Subscribe<Conversation>;
  onItemRemoved: Subscribe<ItemRemoved>;
  onOpenConversation: Subscribe<OpenConversation>;
  onOpenConnect: Subscribe<OpenConnect>;
  onSessionEnded: Subscribe<null>;
}

const ERROR_CODES = new Set<string>([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'limit',
  'offline',
  'invalid_nick',
  'internal',
]);

/** Turns whatever a command rejected with into a `CommandError`. */
export function toCommandError(raw: unknown): CommandError {
  if (typeof raw === 'object' && raw !== null && 'code' in raw && 'message' in raw) {
    const { code, message, reason } = raw as Record<string, unknown>;
    if (typeof code === 'string' && ERROR_CODES.has(code) && typeof message === 'string') {
      const error: CommandError = { code: code as CommandError['code'], message };
      if (reason === 'taken' || reason === 'quarantine') error.reason = reason;
      return error;
    }
  }
  const message = raw instanceof Error ? raw.message : typeof raw === 'string' ? raw : String(raw);
  return { code: 'internal', message };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw toCommandError(raw);
  }
}

function subscribe<T>(event: string): Subscribe<T> {
  return (handler) => listen<T>(event, (e) => handler(e.payload));
}

/** The real bridge: Tauri commands (snake_case names, camelCase argument keys) and events. */
export const tauriBackend: Backend = {
  appState: () => call('app_state'),
  setServer: (url) => call('set_server', { url }),
  normalizeNick: (nick) => call('normalize_nick', { nick }),
  register: (nick, password, searchable) => call('register', { nick, password, searchable }),
  login: (value, password) => call('login', { value, password }),
  recoverStart: (kind, value) => call('recover_start', { kind, value }),
  recoverFinish: (kind, value, code, password) => call('recover_finish', { kind, value, code, password }),
  logout: () => call('logout'),

  profileSet: (profile) => call('profile_set', { profile }),

  invitationsList: () => call('invitations_list'),
  invitationAccept: (connectorId) => call('invitation_accept', { connectorId }),
  invitationLeaveWaiting: (connectorId) => call('invitation_leave_waiting', { connectorId }),
  invitationBlock: (connectorId) => call('invitation_block', { connectorId }),
  blockedList: () => call('blocked_list'),
  unblock: (connectorId) => call('unblock', { connectorId }),

  describeSearch: (kind, value) => call('describe_search', { kind, value }),
  connect: (kind, value, message, share) => call('connect', { kind, value, message, share }),
  contactsList: () => call('contacts_list'),

  conversationsList: () => call('conversations_list'),
  messagesPage: (request) => call('messages_page', { ...request }),
  sendMessage: (conversationId, body, replyTo) => call('send_message', { conversationId, body, replyTo }),
  retryMessage: (messageId) => call('retry_message', { messageId }),
  editMessage: (messageId, body) => call('edit_message', { messageId, body }),
  deleteMessage: (messageId) => call('delete_message', { messageId }),
  markRead: (conversationId, upTo) => call('mark_read', { conversationId, upTo }),
  setDisappearing: (conversationId, seconds) => call('set_disappearing', { conversationId, seconds }),

  groupCreate: (name) => call('group_create', { name }),
  groupInvite: (conversationId, contactId) => call('group_invite', { conversationId, contactId }),
  groupMembers: (conversationId) => call('group_members', { conversationId }),
  groupLeave: (conversationId) => call('group_leave', { conversationId }),
  groupRemove: (conversationId, contactId) => call('group_remove', { conversationId, contactId }),

  safetyNumber: (conversationId) => call('safety_number', { conversationId }),
  markVerified: (conversationId) => call('mark_verified', { conversationId }),
  acceptKeyChange: (conversationId) => call('accept_key_change', { conversationId }),

  identityList: () => call('identity_list'),
  nickAdd: (nick, searchable) => call('nick_add', { nick, searchable }),
  emailAdd: (email, searchable) => call('email_add', { email, searchable }),
  phoneAdd: (phone, region, searchable) => call('phone_add', { phone, region, searchable }),
  confirmCode: (tokenId, code) => call('confirm_code', { tokenId, code }),
  setSearchable: (tokenId, searchable) => call('set_searchable', { tokenId, searchable }),
  identityRemove: (tokenId) => call('identity_remove', { tokenId }),

  devicesList: () => call('devices_list'),
  deviceRevoke: (deviceId) => call('device_revoke', { deviceId }),
  passwordChange: (oldPassword, newPassword) => call('password_change', { oldPassword, newPassword }),
  keysRotate: () => call('keys_rotate'),

  settingsGet: () => call('settings_get'),
  settingsSet: (settings) => call('settings_set', { settings }),

  onKdfProgress: subscribe('kdf-progress'),
  onSyncState: subscribe('sync-state'),
  onInvitationArrived: subscribe('invitation-arrived'),
  onMessageArrived: subscribe('message-arrived'),
  onMessageChanged: subscribe('message-changed'),
  onConversationChanged: subscribe('conversation-changed'),
  onItemRemoved: subscribe('item-removed'),
  onOpenConversation: subscribe('open-conversation'),
  onOpenConnect: subscribe('open-connect'),
  onSessionEnded: subscribe('session-ended'),
};
