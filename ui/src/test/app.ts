import { render } from '@testing-library/svelte';
import App from '../App.svelte';
import type { Invitation } from '../lib/types';
import { FakeBackend } from './fakeBackend';

/** A fake backend with a logged-in account, as after a previous session. */
export function signedIn(): FakeBackend {
  const fake = new FakeBackend();
  fake.account = { party_id: 'party-me', nick: 'sam', profile: { display_name: 'Sam', avatar: null } };
  return fake;
}

/** The whole window, as the user sees it, over the fake bridge. */
export function renderApp(fake: FakeBackend) {
  return render(App, { props: { backend: fake } });
}

export function invitation(overrides: Partial<Invitation> = {}): Invitation {
  return {
    connector_id: 'k1',
    kind: 'p2p',
    group_name: null,
    display_name: 'Jürgen Müller',
    nick: 'jürgen',
    avatar: null,
    message: 'Hi! My slides: https://example.org/slides <b>bold</b>',
    received_at: '2026-03-01T10:00:00Z',
    signed: true,
    nick_check: 'checked',
    safety_number: '123451234512345123451234512345543215432154321543215432154321',
    ...overrides,
  };
}
