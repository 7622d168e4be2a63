import type { Backend } from '../lib/backend';
import { FakeBackend } from './fakeBackend';

/**
 * Sample data for looking at the screens in a browser during development
 * (`npm run dev`, then `/?preview`, `/?preview&first-run`, `/?preview&offline`, `&theme=dark`,
 * `&click=nav-invitations,invitation-row`: clicks those test ids in turn, to reach a screen).
 * Never part of the shipped app: main.ts imports it only when `import.meta.env.DEV`.
 */
export function previewBackend(params: URLSearchParams): Backend {
  const fake = new FakeBackend();
  const now = Date.now();
  const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
  if (!params.has('first-run')) {
    fake.account = { party_id: 'party-me', nick: 'sam', profile: { display_name: 'Sam Rivera', avatar: null } };
  }
  if (params.has('offline')) fake.syncState = 'offline';
  const theme = params.get('theme');
  if (theme === 'dark' || theme === 'light') fake.settings.theme = theme;

  fake.invitations = [
    {
      connector_id: 'inv1',
      kind: 'p2p',
      group_name: null,
      display_name: 'Jürgen Müller',
      nick: 'jürgen',
      avatar: null,
      message: 'Hi Sam, we met at the conference in Lisbon. See https://example.org for my slides.',
      received_at: ago(42),
      signed: true,
      nick_check: 'checked',
      safety_number: '374910582736451029384756102938475610293847561029384756102938',
    },
    {
      connector_id: 'inv2',
      kind: 'p2p',
      group_name: null,
      display_name: 'Unknown sender',
      nick: 'support-team',
      avatar: null,
      message: 'Your account needs verification.',
      received_at: ago(300),
      signed: false,
      nick_check: 'mismatch',
      safety_number: '918273645501928374650192837465019283746501928374650192837465',
    },
  ];
  const conversation = (id: string, title: string, minutes: number, extra: Partial<import('../lib/types').Conversation> = {}) => ({
    id,
    kind: 'p2p' as const,
    title,
    state: 'accepted' as const,
    unread: 0,
    last_message: { body: 'See you tomorrow then!', sent_at: ago(minutes), from_me: false },
    updated_at: ago(minutes),
    disappearing_seconds: null,
    key_changed: false,
    is_owner: false,
    ...extra,
  });
  fake.conversations = [
    conversation('c-alice', 'Alice Novak', 2, { unread: 3 }),
    conversation('c-team', 'Weekend hike', 90, { kind: 'group', is_owner: true }),
    conversation('c-bob', 'Bob', 1500, { key_changed: true, last_message: null }),
    conversation('c-nick', 'nick.harper', 2000, { state: 'waiting', last_message: null }),
  ];
  fake.seedMessages('c-alice', Number(params.get('messages') ?? 100_000), now - 100_000 * 60_000);
  const alice = fake.messages.get('c-alice') ?? [];
  const last = alice.length - 1;
  alice[last] = { ...alice[last]!, from_me: true, state: 'failed', body: 'This one could not be sent.' };
  alice[last - 1] = { ...alice[last - 1]!, from_me: false, signed: false, body: 'A block that could not be verified.' };
  alice[last - 2] = {
    ...alice[last - 2]!,
    from_me: true,
    state: 'queued',
    body: 'A longer message that wraps over more than one line, to show how rows of different heights sit in the virtualized list without jumping around.',
  };
  fake.members.set('c-team', [
    { contact_id: 'party-me', display_name: 'Sam Rivera', role: 'owner', state: 'accepted', is_me: true },
    { contact_id: 'p-alice', display_name: 'Alice Novak', role: 'member', state: 'accepted', is_me: false },
    { contact_id: 'p-bob', display_name: 'Bob', role: 'member', state: 'waiting', is_me: false },
  ]);
  fake.contacts = [
    { contact_id: 'p-alice', display_name: 'Alice Novak', nick: 'alice', conversation_id: 'c-alice' },
    { contact_id: 'p-bob', display_name: 'Bob', nick: null, conversation_id: 'c-bob' },
  ];
  fake.identities = [
    { token_id: 't1', kind: 'nick', value: 'sam', searchable: true, confirmed: true },
    { token_id: 't2', kind: 'nick', value: 'sam rivera', searchable: false, confirmed: true },
    { token_id: 't3', kind: 'email', value: 'sam@example.org', searchable: false, confirmed: true },
    { token_id: 't4', kind: 'phone', value: '+14155550123', searchable: false, confirmed: false },
  ];
  fake.devices = [
    { device_id: 'd1', name: 'Laptop (Linux)', created_at: ago(60 * 24 * 40), last_seen_at: ago(0), current: true },
    { device_id: 'd2', name: 'Office desktop', created_at: ago(60 * 24 * 90), last_seen_at: ago(60 * 26), current: false },
  ];
  clickThrough((params.get('click') ?? '').split(',').filter(Boolean));
  fake.blocked = [{ connector_id: 'b1', display_name: 'Spammer', nick: 'free-crypto', blocked_at: ago(60 * 24 * 3) }];
  return fake;
}

function clickThrough(testids: string[]): void {
  testids.reduce(
    (previous, testid) =>
      previous.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)?.click();
              resolve();
            }, 400),
          ),
      ),
    Promise.resolve(),
  );
}
