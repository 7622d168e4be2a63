import type { Backend, Subscribe, Unsubscribe } from '../lib/backend';
import type {
  Account,
  BlockedConnector,
  CommandError,
  Contact,
  Conversation,
  Device,
  GroupMember,
  IdentityEntry,
  Invitation,
  Message,
  Normalized,
  Settings,
  SyncState,
  TokenKind,
} from '../lib/types';

/**
 * An in-memory stand-in for the Tauri bridge, for tests and the dev-only preview.
 * It keeps just enough state for the screens to behave, records every call, and
 * lets a test push events as the Rust side would.
 */
export class FakeBackend implements Backend {
  calls: { command: string; args: unknown[] }[] = [];
  account: Account | null = null;
  serverUrl = 'http://127.0.0.1:8470';
  syncState: SyncState = 'online';
  takenNicks = new Set(['taken']);
  existingNicks = new Set(['alice', 'bob']);
  invitations: Invitation[] = [];
  blocked: BlockedConnector[] = [];
  conversations: Conversation[] = [];
  messages = new Map<string, Message[]>();
  contacts: Contact[] = [];
  members = new Map<string, GroupMember[]>();
  identities: IdentityEntry[] = [];
  devices: Device[] = [];
  settings: Settings = { notifications: true, phone_region: 'US', theme: 'system' };
  verified = new Set<string>();
  /** The next call of this command rejects with this error. */
  failures = new Map<string, CommandError>();
  private handlers = new Map<string, Set<(payload: unknown) => void>>();
  private nextId = 1;

  emit(event: string, payload: unknown): void {
    for (const handler of this.handlers.get(event) ?? []) handler(payload);
  }

  callsOf(command: string): unknown[][] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }

  /** Fills a conversation with `count` messages, the newest last. */
  seedMessages(conversationId: string, count: number, start = Date.parse('2026-01-01T00:00:00Z')): void {
    const list: Message[] = [];
    for (let i = 0; i < count; i++) {
      const fromMe = i % 3 === 0;
      list.push({
        id: `${conversationId}-m${String(i).padStart(6, '0')}`,
        conversation_id: conversationId,
        from_me: fromMe,
        author_name: fromMe ? 'Me' : 'Alice',
        body: `Message number ${i}`,
        sent_at: new Date(start + i * 60_000).toISOString(),
        state: 'sent',
        signed: true,
        edited: false,
        expires_at: null,
        reply_to: null,
      });
    }
    this.messages.set(conversationId, list);
  }

  private record<T>(command: string, args: unknown[], result: () => T): Promise<T> {
    this.calls.push({ command, args });
    const failure = this.failures.get(command);
    if (failure) {
      this.failures.delete(command);
      return Promise.reject(failure);
    }
    try {
      return Promise.resolve(result());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private id(prefix: string): string {
    return `${prefix}-new${this.nextId++}`;
  }

  private subscribe<T>(event: string): Subscribe<T> {
    return (handler) => {
      const set = this.handlers.get(event) ?? new Set();
      set.add(handler as (payload: unknown) => void);
      this.handlers.set(event, set);
      const unsubscribe: Unsubscribe = () => set.delete(handler as (payload: unknown) => void);
      return Promise.resolve(unsubscribe);
    };
  }

  private conversation(id: string): Conversation {
    const c = this.conversations.find((x) => x.id === id);
    if (!c) throw { code: 'not_found', message: 'No such conversation.' } satisfies CommandError;
    return c;
  }

  private findMessage(id: string): Message {
    for (const list of this.messages.values()) {
      const m = list.find((x) => x.id === id);
      if (m) return m;
    }
    throw { code: 'not_found', message: 'No such message.' } satisfies CommandError;
  }

  private replaceMessage(m: Message): Message {
    const list = this.messages.get(m.conversation_id) ?? [];
    this.messages.set(
      m.conversation_id,
      list.map((x) => (x.id === m.id ? m : x)),
    );
    return m;
  }

  private signIn(nick: string): Account {
    this.account = { party_id: 'party-me', nick, profile: { display_name: nick, avatar: null } };
    this.emit('kdf-progress', { fraction: 0.5 });
    this.emit('kdf-progress', { fraction: 1 });
    return this.account;
  }

  appState = () =>
    this.record('app_state', [], () => ({ server_url: this.serverUrl, account: this.account, sync: this.syncState }));
  setServer = (url: string) => this.record('set_server', [url], () => void (this.serverUrl = url));
  normalizeNick = (nick: string) => this.record('normalize_nick', [nick], () => normalizeNick(nick, this.takenNicks));
  register = (nick: string, password: string, searchable: boolean) =>
    this.record('register', [nick, password, searchable], () => {
      const check = normalizeNick(nick, this.takenNicks);
      if (check.refusal === 'taken')
        throw { code: 'conflict', message: 'This nick is taken.', reason: 'taken' } satisfies CommandError;
      if (check.refusal) throw { code: 'invalid_nick', message: 'This nick cannot be used.' } satisfies CommandError;
      return this.signIn(check.normalized ?? nick);
    });
  login = (value: string, password: string) =>
    this.record('login', [value, password], () => {
      if (password !== 'correct horse')
        throw { code: 'unauthorized', message: 'Wrong nick or password.' } satisfies CommandError;
      return this.signIn(value);
    });
  recoverStart = (kind: 'email' | 'phone', value: string) => this.record('recover_start', [kind, value], () => {});
  recoverFinish = (kind: 'email' | 'phone', value: string, code: string, password: string) =>
    this.record('recover_finish', [kind, value, code, password], () => this.signIn(value));
  logout = () => this.record('logout', [], () => void (this.account = null));
  profileSet = (profile: Account['profile']) =>
    this.record('profile_set', [profile], () => {
      if (this.account) this.account = { ...this.account, profile };
    });

  invitationsList = () => this.record('invitations_list', [], () => this.invitations.slice());
  invitationAccept = (connectorId: string) =>
    this.record('invitation_accept', [connectorId], () => {
      const inv = this.invitations.find((i) => i.connector_id === connectorId);
      if (!inv) throw { code: 'not_found', message: 'No such invitation.' } satisfies CommandError;
      this.invitations = this.invitations.filter((i) => i !== inv);
      const c: Conversation = {
        id: connectorId,
        kind: inv.kind,
        title: inv.group_name ?? inv.display_name,
        state: 'accepted',
        unread: 0,
        last_message: null,
        updated_at: new Date().toISOString(),
        disappearing_seconds: null,
        key_changed: false,
        is_owner: false,
      };
      this.conversations.push(c);
      return c;
    });
  invitationLeaveWaiting = (connectorId: string) => this.record('invitation_leave_waiting', [connectorId], () => {});
  invitationBlock = (connectorId: string) =>
    this.record('invitation_block', [connectorId], () => {
      const inv = this.invitations.find((i) => i.connector_id === connectorId);
      this.invitations = this.invitations.filter((i) => i.connector_id !== connectorId);
      if (inv)
        this.blocked.push({
          connector_id: connectorId,
          display_name: inv.display_name,
          nick: inv.nick,
          blocked_at: new Date().toISOString(),
        });
    });
  blockedList = () => this.record('blocked_list', [], () => this.blocked.slice());
  unblock = (connectorId: string) =>
    this.record('unblock', [connectorId], () => {
      this.blocked = this.blocked.filter((b) => b.connector_id !== connectorId);
    });

  describeSearch = (kind: TokenKind, value: string) =>
    this.record('describe_search', [kind, value], () => describe(kind, value, new Set()));
  connect = (kind: TokenKind, value: string, message: string, share: unknown) =>
    this.record('connect', [kind, value, message, share], () => {
      const found = describe(kind, value, new Set()).normalized;
      if (!found || !this.existingNicks.has(found)) return { result: 'not_found' as const };
      const c: Conversation = {
        id: this.id('c'),
        kind: 'p2p',
        title: found,
        state: 'waiting',
        unread: 0,
        last_message: null,
        updated_at: new Date().toISOString(),
        disappearing_seconds: null,
        key_changed: false,
        is_owner: false,
      };
      this.conversations.push(c);
      return { result: 'requested' as const, conversation: c };
    });
  contactsList = () => this.record('contacts_list', [], () => this.contacts.slice());

  conversationsList = () => this.record('conversations_list', [], () => this.conversations.slice());
  messagesPage = (request: { conversationId: string; before?: string; after?: string; limit: number }) =>
    this.record('messages_page', [request], () => {
      const list = this.messages.get(request.conversationId) ?? [];
      let end = list.length;
      let start = Math.max(0, end - request.limit);
      if (request.before !== undefined) {
        end = list.findIndex((m) => m.id === request.before);
        start = Math.max(0, end - request.limit);
      } else if (request.after !== undefined) {
        start = list.findIndex((m) => m.id === request.after) + 1;
        end = Math.min(list.length, start + request.limit);
        return { messages: list.slice(start, end), has_more: end < list.length };
      }
      return { messages: list.slice(start, end), has_more: start > 0 };
    });
  sendMessage = (conversationId: string, body: string, replyTo?: string) =>
    this.record('send_message', [conversationId, body, replyTo], () => {
      this.conversation(conversationId);
      const m: Message = {
        id: this.id('sent'),
        conversation_id: conversationId,
        from_me: true,
        author_name: 'Me',
        body,
        sent_at: new Date().toISOString(),
        state: this.syncState === 'offline' ? 'queued' : 'sent',
        signed: true,
        edited: false,
        expires_at: null,
        reply_to: null,
      };
      this.messages.set(conversationId, [...(this.messages.get(conversationId) ?? []), m]);
      return m;
    });
  retryMessage = (messageId: string) =>
    this.record('retry_message', [messageId], () =>
      this.replaceMessage({ ...this.findMessage(messageId), state: 'sent' }),
    );
  editMessage = (messageId: string, body: string) =>
    this.record('edit_message', [messageId], () =>
      this.replaceMessage({ ...this.findMessage(messageId), body, edited: true }),
    );
  deleteMessage = (messageId: string) =>
    this.record('delete_message', [messageId], () => {
      const m = this.findMessage(messageId);
      this.messages.set(
        m.conversation_id,
        (this.messages.get(m.conversation_id) ?? []).filter((x) => x.id !== messageId),
      );
    });
  markRead = (conversationId: string, upTo: string) =>
    this.record('mark_read', [conversationId, upTo], () => void (this.conversation(conversationId).unread = 0));
  setDisappearing = (conversationId: string, seconds: number | null) =>
    this.record('set_disappearing', [conversationId, seconds], () => {
      this.conversation(conversationId).disappearing_seconds = seconds;
    });

  groupCreate = (name: string) =>
    this.record('group_create', [name], () => {
      const c: Conversation = {
        id: this.id('g'),
        kind: 'group',
        title: name,
        state: 'accepted',
        unread: 0,
        last_message: null,
        updated_at: new Date().toISOString(),
        disappearing_seconds: null,
        key_changed: false,
        is_owner: true,
      };
      this.conversations.push(c);
      this.members.set(c.id, [
        { contact_id: 'party-me', display_name: 'Me', role: 'owner', state: 'accepted', is_me: true },
      ]);
      return c;
    });
  groupInvite = (conversationId: string, contactId: string) =>
    this.record('group_invite', [conversationId, contactId], () => {
      const contact = this.contacts.find((c) => c.contact_id === contactId);
      const list = this.members.get(conversationId) ?? [];
      list.push({
        contact_id: contactId,
        display_name: contact?.display_name ?? contactId,
        role: 'member',
        state: 'waiting',
        is_me: false,
      });
      this.members.set(conversationId, list);
    });
  groupMembers = (conversationId: string) =>
    this.record('group_members', [conversationId], () => (this.members.get(conversationId) ?? []).slice());
  groupLeave = (conversationId: string) =>
    this.record('group_leave', [conversationId], () => {
      this.conversations = this.conversations.filter((c) => c.id !== conversationId);
    });
  groupRemove = (conversationId: string, contactId: string) =>
    this.record('group_remove', [conversationId, contactId], () => {
      this.members.set(
        conversationId,
        (this.members.get(conversationId) ?? []).map((m) =>
          m.contact_id === contactId ? { ...m, state: 'removed' as const } : m,
        ),
      );
    });

  safetyNumber = (conversationId: string) =>
    this.record('safety_number', [conversationId], () => ({
      digits: '123456789012345678901234567890098765432109876543210987654321',
      verified: this.verified.has(conversationId),
      key_changed: this.conversation(conversationId).key_changed,
    }));
  markVerified = (conversationId: string) =>
    this.record('mark_verified', [conversationId], () => void this.verified.add(conversationId));
  acceptKeyChange = (conversationId: string) =>
    this.record('accept_key_change', [conversationId], () => {
      this.conversation(conversationId).key_changed = false;
    });

  identityList = () => this.record('identity_list', [], () => this.identities.slice());
  private addIdentity(kind: TokenKind, value: string, searchable: boolean): IdentityEntry {
    const check = describe(kind, value, this.takenNicks);
    if (check.refusal || !check.normalized)
      throw { code: 'bad_request', message: `Cannot add: ${check.refusal ?? 'invalid'}.` } satisfies CommandError;
    if (kind === 'nick' && this.identities.filter((i) => i.kind === 'nick').length >= 5)
      throw { code: 'limit', message: 'You already have 5 nicks.' } satisfies CommandError;
    const entry: IdentityEntry = {
      token_id: this.id('t'),
      kind,
      value: check.normalized,
      searchable,
      confirmed: kind === 'nick',
    };
    this.identities.push(entry);
    return entry;
  }
  nickAdd = (nick: string, searchable: boolean) =>
    this.record('nick_add', [nick, searchable], () => this.addIdentity('nick', nick, searchable));
  emailAdd = (email: string, searchable: boolean) =>
    this.record('email_add', [email, searchable], () => this.addIdentity('email', email, searchable));
  phoneAdd = (phone: string, region: string, searchable: boolean) =>
    this.record('phone_add', [phone, region, searchable], () => this.addIdentity('phone', phone, searchable));
  confirmCode = (tokenId: string, code: string) =>
    this.record('confirm_code', [tokenId, code], () => {
      const entry = this.identities.find((i) => i.token_id === tokenId);
      if (!entry || code !== '123456')
        throw { code: 'bad_request', message: 'Wrong or expired code.' } satisfies CommandError;
      entry.confirmed = true;
      return { ...entry };
    });
  setSearchable = (tokenId: string, searchable: boolean) =>
    this.record('set_searchable', [tokenId, searchable], () => {
      this.identities = this.identities.map((i) => (i.token_id === tokenId ? { ...i, searchable } : i));
    });
  identityRemove = (tokenId: string) =>
    this.record('identity_remove', [tokenId], () => {
      this.identities = this.identities.filter((i) => i.token_id !== tokenId);
    });

  devicesList = () => this.record('devices_list', [], () => this.devices.slice());
  deviceRevoke = (deviceId: string) =>
    this.record('device_revoke', [deviceId], () => {
      this.devices = this.devices.filter((d) => d.device_id !== deviceId);
    });
  passwordChange = (oldPassword: string, newPassword: string) =>
    this.record('password_change', [oldPassword, newPassword], () => {});
  keysRotate = () => this.record('keys_rotate', [], () => {});

  settingsGet = () => this.record('settings_get', [], () => ({ ...this.settings }));
  settingsSet = (settings: Settings) => this.record('settings_set', [settings], () => void (this.settings = settings));

  onKdfProgress = this.subscribe<{ fraction: number }>('kdf-progress');
  onSyncState = this.subscribe<{ state: SyncState }>('sync-state');
  onInvitationArrived = this.subscribe<Invitation>('invitation-arrived');
  onMessageArrived = this.subscribe<Message>('message-arrived');
  onMessageChanged = this.subscribe<Message>('message-changed');
  onConversationChanged = this.subscribe<Conversation>('conversation-changed');
  onItemRemoved = this.subscribe<{ conversation_id: string; message_id: string }>('item-removed');
  onOpenConversation = this.subscribe<{ conversation_id: string }>('open-conversation');
  onOpenConnect = this.subscribe<{ kind: TokenKind; value: string }>('open-connect');
  onSessionEnded = this.subscribe<null>('session-ended');
}

/** A rough sketch of tokens.md's rules, enough for the screens to react. */
function normalizeNick(nick: string, taken: Set<string>): Normalized {
  const normalized = nick.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  const refuse = (refusal: Normalized['refusal']): Normalized => ({ normalized, refusal });
  if (normalized === '') return refuse('empty');
  if (/[\u200b-\u200f\u202a-\u202e\u2060\ufeff]/.test(normalized)) return refuse('invisible');
  if ([...normalized].length < 4) return refuse('too_short');
  if ([...normalized].length > 64) return refuse('too_long');
  if (normalized.includes('@')) return refuse('at_sign');
  if (/^\+?[\d\s\-.()]+$/.test(normalized)) return refuse('phone_shape');
  if (/[a-z]/.test(normalized) && /[\u0400-\u04ff]/.test(normalized)) return refuse('confusable');
  if (taken.has(normalized)) return refuse('taken');
  return { normalized, refusal: null };
}

function describe(kind: TokenKind, value: string, taken: Set<string>): Normalized {
  if (kind === 'nick') return normalizeNick(value, taken);
  if (kind === 'email') {
    const email = value.trim().normalize('NFC').toLowerCase();
    const parts = email.split('@');
    const valid = parts.length === 2 && parts.every((p) => p.length > 0) && !/\s/.test(email);
    return valid ? { normalized: email, refusal: null } : { normalized: null, refusal: 'not_an_email' };
  }
  const digits = value.replace(/[^\d]/g, '');
  if (digits.length < 8) return { normalized: null, refusal: 'not_a_phone' };
  return { normalized: value.trim().startsWith('+') ? `+${digits}` : `+1${digits}`, refusal: null };
}
