import { screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp, signedIn } from '../test/app';

async function openConnect() {
  const fake = signedIn();
  fake.identities = [{ token_id: 't1', kind: 'nick', value: 'sam', searchable: true, confirmed: true }];
  renderApp(fake);
  await userEvent.click(await screen.findByTestId('nav-contacts'));
  await userEvent.click(await screen.findByTestId('connect-open'));
  return { fake, dialog: await screen.findByTestId('connect-dialog') };
}

describe('the connect dialog', () => {
  it('shows what will be searched for', async () => {
    await openConnect();
    await userEvent.type(screen.getByTestId('connect-value'), '  Alice ');
    expect((await screen.findByTestId('check-normalized')).textContent).toBe('Will search for: alice');
  });

  it('says why an e-mail address is invalid', async () => {
    await openConnect();
    await userEvent.click(screen.getByTestId('connect-kind-email'));
    await userEvent.type(screen.getByTestId('connect-value'), 'not-an-address');
    expect((await screen.findByTestId('check-refusal')).textContent).toBe('This is not an e-mail address.');
  });

  it('reports "Not found" and nothing more', async () => {
    const { fake } = await openConnect();
    await userEvent.type(screen.getByTestId('connect-value'), 'nobody-here');
    await userEvent.click(screen.getByTestId('connect-submit'));
    const notFound = await screen.findByTestId('connect-not-found');
    expect(notFound.textContent).toBe('Not found.');
    expect(fake.callsOf('connect')).toHaveLength(1);
  });

  it('sends the message and the chosen profile parts, then shows the request as waiting', async () => {
    const { fake } = await openConnect();
    await userEvent.type(screen.getByTestId('connect-value'), 'Alice');
    await userEvent.type(screen.getByTestId('connect-message'), 'Hi, it is Sam from the club.');
    await userEvent.click(screen.getByTestId('connect-share-avatar'));
    await waitFor(() => expect(screen.getByRole('option', { name: 'sam' })).toBeTruthy());
    await userEvent.click(screen.getByTestId('connect-submit'));
    expect(await screen.findByTestId('connect-sent')).toBeTruthy();
    expect(fake.callsOf('connect')).toEqual([
      ['nick', 'Alice', 'Hi, it is Sam from the club.', { display_name: true, nick: 'sam', avatar: true }],
    ]);
    await userEvent.click(screen.getByTestId('connect-done'));
    await waitFor(() => expect(screen.queryByTestId('connect-dialog')).toBeNull());
    await userEvent.click(screen.getByTestId('nav-invitations'));
    expect((await screen.findByTestId('outgoing-row')).textContent).toContain('alice');
  });

  it('opens prefilled from an attesta://connect link', async () => {
    const fake = signedIn();
    renderApp(fake);
    await screen.findByTestId('nav-contacts');
    fake.emit('open-connect', { kind: 'nick', value: 'bob the builder' });
    expect(((await screen.findByTestId('connect-value')) as HTMLInputElement).value).toBe('bob the builder');
  });
});
