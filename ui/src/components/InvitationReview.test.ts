import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { invitation, renderApp, signedIn } from '../test/app';

async function reviewFirstInvitation(overrides = {}) {
  const fake = signedIn();
  fake.invitations = [invitation(overrides), invitation({ connector_id: 'k2', display_name: 'Other person' })];
  renderApp(fake);
  await userEvent.click(await screen.findByTestId('nav-invitations'));
  const rows = await screen.findAllByTestId('invitation-row');
  await userEvent.click(rows[0]!);
  return { fake, dialog: await screen.findByTestId('invitation-review') };
}

describe('the invitation review', () => {
  it('counts waiting invitations in the navigation badge', async () => {
    const fake = signedIn();
    fake.invitations = [invitation(), invitation({ connector_id: 'k2' })];
    renderApp(fake);
    expect((await screen.findByTestId('nav-invitations-badge')).textContent).toBe('2');
    fake.emit('invitation-arrived', invitation({ connector_id: 'k3' }));
    await waitFor(() => expect(screen.getByTestId('nav-invitations-badge').textContent).toBe('3'));
  });

  it('shows who it claims to be, the nick as presented and the message as plain text', async () => {
    const { dialog } = await reviewFirstInvitation();
    const view = within(dialog);
    expect(view.getByTestId('invitation-name').textContent?.trim()).toBe('Jürgen Müller');
    expect(view.getByTestId('invitation-nick').textContent?.trim()).toBe('Presents the nick jürgen');
    const message = view.getByTestId('invitation-message');
    expect(message.textContent).toBe('Hi! My slides: https://example.org/slides <b>bold</b>');
    expect(message.querySelector('a, b')).toBeNull();
  });

  it('states signed, nick checked and the safety number as separate facts', async () => {
    const { dialog } = await reviewFirstInvitation();
    const view = within(dialog);
    expect(view.getByTestId('fact-signed').textContent?.trim()).toBe('Signed');
    expect(view.getByTestId('fact-nick').textContent?.trim()).toBe('Nick checked');
    const groups = Array.from(view.getByTestId('safety-number').children).map((g) => g.textContent);
    expect(groups).toHaveLength(12);
    expect(groups.slice(0, 2)).toEqual(['12345', '12345']);
    expect(groups[11]).toBe('54321');
  });

  it('says plainly when the invitation could not be verified and the nick does not match', async () => {
    const { dialog } = await reviewFirstInvitation({ signed: false, nick_check: 'mismatch' });
    expect(within(dialog).getByTestId('fact-signed').textContent?.trim()).toBe('Could not be verified');
    expect(within(dialog).getByTestId('fact-nick').textContent?.trim()).toBe('Nick does not match');
  });

  it('says when the nick could not be checked', async () => {
    const { dialog } = await reviewFirstInvitation({ nick_check: 'not_checked' });
    expect(within(dialog).getByTestId('fact-nick').textContent?.trim()).toBe('Nick not checked');
  });

  it('never shows a remote avatar', async () => {
    const { dialog } = await reviewFirstInvitation({ avatar: 'https://tracker.example/pixel.png' });
    expect(dialog.querySelector('img')).toBeNull();
  });

  it('accepting opens the new conversation and removes the invitation', async () => {
    const { fake, dialog } = await reviewFirstInvitation();
    await userEvent.click(within(dialog).getByTestId('invitation-accept'));
    expect((await screen.findByTestId('conversation-title')).textContent).toBe('Jürgen Müller');
    expect(fake.callsOf('invitation_accept')).toEqual([['k1']]);
    expect(screen.getByTestId('nav-invitations-badge').textContent).toBe('1');
  });

  it('leaving it waiting keeps it in the list', async () => {
    const { fake, dialog } = await reviewFirstInvitation();
    await userEvent.click(within(dialog).getByTestId('invitation-leave-waiting'));
    await waitFor(() => expect(screen.queryByTestId('invitation-review')).toBeNull());
    expect(screen.getAllByTestId('invitation-row')).toHaveLength(2);
    expect(fake.callsOf('invitation_leave_waiting')).toEqual([['k1']]);
  });

  it('blocking makes it disappear and lists it in Settings to unblock', async () => {
    const { fake, dialog } = await reviewFirstInvitation();
    await userEvent.click(within(dialog).getByTestId('invitation-block'));
    await waitFor(() => expect(screen.getAllByTestId('invitation-row')).toHaveLength(1));
    await userEvent.click(screen.getByTestId('nav-settings'));
    const blocked = await screen.findByTestId('blocked-row');
    expect(blocked.textContent).toContain('Jürgen Müller');
    await userEvent.click(within(blocked).getByTestId('blocked-unblock'));
    await waitFor(() => expect(screen.queryByTestId('blocked-row')).toBeNull());
    expect(fake.callsOf('unblock')).toEqual([['k1']]);
  });

  it('shows the error message plainly when an action fails', async () => {
    const { fake, dialog } = await reviewFirstInvitation();
    fake.failures.set('invitation_accept', { code: 'offline', message: 'The server cannot be reached.' });
    await userEvent.click(within(dialog).getByTestId('invitation-accept'));
    expect((await within(dialog).findByTestId('form-error')).textContent).toBe('The server cannot be reached.');
  });

  it('lists outgoing requests as waiting for acceptance', async () => {
    const fake = signedIn();
    fake.conversations = [
      {
        id: 'c9',
        kind: 'p2p',
        title: 'nick.harper',
        state: 'waiting',
        unread: 0,
        last_message: null,
        updated_at: '2026-03-01T10:00:00Z',
        disappearing_seconds: null,
        key_changed: false,
        is_owner: false,
      },
    ];
    renderApp(fake);
    await userEvent.click(await screen.findByTestId('nav-invitations'));
    expect((await screen.findByTestId('outgoing-row')).textContent).toContain('Waiting for acceptance');
  });
});
