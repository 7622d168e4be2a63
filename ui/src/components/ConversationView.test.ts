import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderApp, signedIn } from '../test/app';
import type { Conversation } from '../lib/types';

const VIEWPORT = 600;
const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');

// jsdom lays nothing out: give the message list a window-sized viewport.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'message-list' ? VIEWPORT : 0;
    },
  });
});

afterAll(() => {
  if (original) Object.defineProperty(HTMLElement.prototype, 'clientHeight', original);
});

function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return {
    id: 'c1',
    kind: 'p2p',
    title: 'Alice',
    state: 'accepted',
    unread: 0,
    last_message: null,
    updated_at: '2026-03-01T10:00:00Z',
    disappearing_seconds: null,
    key_changed: false,
    is_owner: false,
    ...overrides,
  };
}

async function openConversation(count: number, overrides: Partial<Conversation> = {}) {
  const fake = signedIn();
  fake.conversations = [conversation(overrides)];
  fake.seedMessages('c1', count);
  renderApp(fake);
  await userEvent.click(await screen.findByTestId('conversation-row'));
  const list = await screen.findByTestId('message-list');
  if (count > 0) await screen.findAllByTestId('message-row');
  return { fake, list };
}

function scrollTo(list: HTMLElement, top: number) {
  list.scrollTop = top;
  return fireEvent.scroll(list);
}

function shownBodies(): string[] {
  return screen.getAllByTestId('message-row').map((row) => row.querySelector('.body')?.textContent ?? '');
}

describe('the message list with 100 000 messages', () => {
  it('puts only a window of rows in the page', async () => {
    const { fake } = await openConversation(100_000);
    expect(screen.getAllByTestId('message-row').length).toBeLessThan(40);
    expect(fake.callsOf('messages_page')).toEqual([[{ conversationId: 'c1', limit: 100 }]]);
  });

  it('shows the newest message at the bottom', async () => {
    const { list } = await openConversation(100_000);
    await scrollTo(list, 100 * 64 - VIEWPORT);
    await waitFor(() => expect(shownBodies()).toContain('Message number 99999'));
    expect(shownBodies()).not.toContain('Message number 99900');
  });

  it('asks for the page before the oldest loaded message when scrolled to the top, and keeps the place', async () => {
    const { fake, list } = await openConversation(100_000);
    await scrollTo(list, 0);
    await waitFor(() => expect(fake.callsOf('messages_page')).toHaveLength(2));
    expect(fake.callsOf('messages_page')[1]).toEqual([{ conversationId: 'c1', limit: 100, before: 'c1-m099900' }]);
    await waitFor(() => expect(list.scrollTop).toBe(100 * 64));
    await waitFor(() => expect(shownBodies()).toContain('Message number 99900'));
    expect(screen.getAllByTestId('message-row').length).toBeLessThan(40);

    await scrollTo(list, 0);
    await waitFor(() => expect(fake.callsOf('messages_page')).toHaveLength(3));
    expect(fake.callsOf('messages_page')[2]).toEqual([{ conversationId: 'c1', limit: 100, before: 'c1-m099800' }]);
  });

  it('stops asking once the first message is loaded', async () => {
    const { fake, list } = await openConversation(150);
    await scrollTo(list, 0);
    await waitFor(() => expect(fake.callsOf('messages_page')).toHaveLength(2));
    await waitFor(() => expect(shownBodies()).toContain('Message number 0'));
    await scrollTo(list, 0);
    expect(fake.callsOf('messages_page')).toHaveLength(2);
  });

  it('adds a message that arrives from another device as the user\'s own', async () => {
    const { fake } = await openConversation(3);
    fake.emit('message-arrived', {
      id: 'other-device-1',
      conversation_id: 'c1',
      from_me: true,
      author_name: 'Me',
      body: 'Sent from my laptop',
      sent_at: '2026-03-01T11:00:00Z',
      state: 'sent',
      signed: true,
      edited: false,
      expires_at: null,
      reply_to: null,
    });
    const row = await waitFor(() => {
      const found = screen.getAllByTestId('message-row').find((r) => r.textContent?.includes('Sent from my laptop'));
      expect(found).toBeTruthy();
      return found!;
    });
    expect(row.classList.contains('mine')).toBe(true);
  });
});

describe('the composer', () => {
  it('sends on Enter and clears itself', async () => {
    const { fake } = await openConversation(0);
    const composer = screen.getByTestId('composer') as HTMLTextAreaElement;
    await userEvent.type(composer, 'Hello there{Enter}');
    await waitFor(() => expect(fake.callsOf('send_message')).toEqual([['c1', 'Hello there', undefined]]));
    expect(composer.value).toBe('');
    expect(await screen.findByText('Hello there')).toBeTruthy();
  });

  it('starts a new line on Shift+Enter without sending', async () => {
    const { fake } = await openConversation(0);
    const composer = screen.getByTestId('composer') as HTMLTextAreaElement;
    await userEvent.type(composer, 'first line{Shift>}{Enter}{/Shift}second line');
    expect(composer.value).toBe('first line\nsecond line');
    expect(fake.callsOf('send_message')).toEqual([]);
  });

  it('shows a failed message with Retry, and retrying sends it', async () => {
    const { fake } = await openConversation(1);
    const [only] = fake.messages.get('c1') ?? [];
    fake.emit('message-changed', { ...only!, from_me: true, state: 'failed' });
    const retry = await screen.findByTestId('message-retry');
    expect(screen.getByTestId('message-state').textContent?.trim()).toBe('Not sent');
    await userEvent.click(retry);
    await waitFor(() => expect(screen.getByTestId('message-state').textContent?.trim()).toBe('Sent'));
    expect(fake.callsOf('retry_message')).toEqual([[only!.id]]);
  });

  it('says plainly when a message could not be verified', async () => {
    const { fake } = await openConversation(1);
    const [only] = fake.messages.get('c1') ?? [];
    fake.emit('message-changed', { ...only!, signed: false });
    expect((await screen.findByTestId('message-unverified')).textContent?.trim()).toBe('Could not be verified');
  });

  it('is replaced by "waiting for acceptance" while a request is not accepted', async () => {
    await openConversation(0, { state: 'waiting' });
    expect(screen.getByTestId('conversation-waiting')).toBeTruthy();
    expect(screen.queryByTestId('composer')).toBeNull();
  });
});

describe('conversation safety', () => {
  it('warns of a key change and lets the user mark the safety number verified', async () => {
    const { fake } = await openConversation(0, { key_changed: true });
    expect(screen.getByTestId('key-change-banner')).toBeTruthy();
    await userEvent.click(screen.getByTestId('safety-toggle'));
    const panel = await screen.findByTestId('safety-panel');
    expect((await within(panel).findByTestId('safety-status')).textContent?.trim()).toBe('Not verified');
    await userEvent.click(within(panel).getByTestId('safety-mark-verified'));
    await waitFor(() => expect(within(panel).getByTestId('safety-status').textContent?.trim()).toBe('Verified'));
    expect(fake.callsOf('mark_verified')).toEqual([['c1']]);
  });

  it('sets the disappearing-messages timer', async () => {
    const { fake } = await openConversation(0);
    await userEvent.selectOptions(screen.getByTestId('disappearing-menu'), '1 hour');
    await waitFor(() => expect(fake.callsOf('set_disappearing')).toEqual([['c1', 3600]]));
  });
});
