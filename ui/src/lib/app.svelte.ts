import type { Backend, Unsubscribe } from './backend';
import { sortConversations, upsertConversation } from './conversations';
import { errorMessage } from './errors';
import type { Account, Conversation, Invitation, OpenConnect, Settings, SyncState } from './types';

export type View = 'conversations' | 'invitations' | 'contacts' | 'identity' | 'devices' | 'settings';

export const DEFAULT_SERVER = 'http://127.0.0.1:8470';

export const DEFAULT_SETTINGS: Settings = { notifications: true, phone_region: 'US', theme: 'system' };

/** The state the whole window shares: session, sync, navigation, badges. */
export class AppModel {
  phase = $state<'loading' | 'first-run' | 'ready'>('loading');
  serverUrl = $state(DEFAULT_SERVER);
  account = $state<Account | null>(null);
  sync = $state<SyncState>('online');
  invitations = $state.raw<Invitation[]>([]);
  conversations = $state.raw<Conversation[]>([]);
  settings = $state<Settings>({ ...DEFAULT_SETTINGS });
  view = $state<View>('conversations');
  openConversationId = $state<string | null>(null);
  /** Set by an attesta://connect link: the Connect dialog opens with this value. */
  connectRequest = $state<OpenConnect | null>(null);
  error = $state<string | null>(null);
  /** The server ended this device's session (revoked, or logged out elsewhere): the first-run screen says so. */
  sessionEnded = $state(false);

  readonly backend: Backend;
  private subscriptions: Unsubscribe[] = [];

  constructor(backend: Backend) {
    this.backend = backend;
  }

  async start(): Promise<void> {
    const b = this.backend;
    this.subscriptions = await Promise.all([
      b.onSyncState(({ state }) => (this.sync = state)),
      b.onInvitationArrived((inv) => {
        this.invitations = [inv, ...this.invitations.filter((i) => i.connector_id !== inv.connector_id)];
      }),
      b.onConversationChanged((c) => {
        this.conversations = upsertConversation(this.conversations, c);
        void this.refreshInvitations();
      }),
      b.onOpenConversation(({ conversation_id }) => this.openConversation(conversation_id)),
      b.onOpenConnect((request) => {
        this.view = 'contacts';
        this.connectRequest = request;
      }),
      b.onSessionEnded(() => {
        this.signOut();
        this.sessionEnded = true;
      }),
    ]);
    try {
      const state = await b.appState();
      this.serverUrl = state.server_url;
      this.sync = state.sync;
      if (state.account) await this.enter(state.account);
      else this.phase = 'first-run';
    } catch (e) {
      this.error = errorMessage(e);
      this.phase = 'first-run';
    }
  }

  /** After register, login or recovery, or at start with a saved session. */
  async enter(account: Account): Promise<void> {
    this.account = account;
    this.sessionEnded = false;
    this.phase = 'ready';
    await Promise.all([this.refreshInvitations(), this.refreshConversations(), this.loadSettings()]);
  }

  async logout(): Promise<void> {
    await this.backend.logout();
    this.signOut();
  }

  /** Back to the first-run screen with nothing of the account left in the window. */
  private signOut(): void {
    this.account = null;
    this.invitations = [];
    this.conversations = [];
    this.openConversationId = null;
    this.view = 'conversations';
    this.phase = 'first-run';
  }

  openConversation(id: string): void {
    this.view = 'conversations';
    this.openConversationId = id;
  }

  async refreshInvitations(): Promise<void> {
    if (!this.account) return;
    try {
      this.invitations = await this.backend.invitationsList();
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  async refreshConversations(): Promise<void> {
    if (!this.account) return;
    try {
      this.conversations = sortConversations(await this.backend.conversationsList());
    } catch (e) {
      this.error = errorMessage(e);
    }
  }

  /** An accepted or blocked invitation leaves the list (and the badge). */
  dropInvitation(connectorId: string): void {
    this.invitations = this.invitations.filter((i) => i.connector_id !== connectorId);
  }

  addConversation(c: Conversation): void {
    this.conversations = upsertConversation(this.conversations, c);
  }

  async saveSettings(settings: Settings): Promise<void> {
    await this.backend.settingsSet(settings);
    this.settings = settings;
  }

  dispose(): void {
    for (const unsubscribe of this.subscriptions) unsubscribe();
    this.subscriptions = [];
  }

  private async loadSettings(): Promise<void> {
    try {
      this.settings = await this.backend.settingsGet();
    } catch (e) {
      this.error = errorMessage(e);
    }
  }
}
