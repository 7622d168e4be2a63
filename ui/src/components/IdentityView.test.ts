import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp, signedIn } from '../test/app';

async function openIdentity() {
  const fake = signedIn();
  fake.identities = [{ token_id: 't1', kind: 'nick', value: 'sam', searchable: true, confirmed: true }];
  renderApp(fake);
  await userEvent.click(await screen.findByTestId('nav-identity'));
  await screen.findAllByTestId('identity-row');
  return fake;
}

describe('identity management', () => {
  it('adds a nick after showing its normalized form', async () => {
    const fake = await openIdentity();
    await userEvent.type(screen.getByTestId('nick-add-input'), 'Sam  Second');
    expect((await screen.findByTestId('check-normalized')).textContent).toBe('Will be registered as: sam second');
    await userEvent.click(screen.getByTestId('nick-add-submit'));
    const section = screen.getByTestId('identity-nick');
    await waitFor(() => expect(within(section).getAllByTestId('identity-row')).toHaveLength(2));
    expect(fake.callsOf('nick_add')).toEqual([['Sam  Second', true]]);
  });

  it('asks for the confirmation code after adding an e-mail address', async () => {
    const fake = await openIdentity();
    await userEvent.type(screen.getByTestId('email-add-input'), 'Sam@Example.org');
    await userEvent.click(screen.getByTestId('email-add-submit'));
    const code = await screen.findByTestId('confirm-code-input');
    await userEvent.type(code, '000000');
    await userEvent.click(screen.getByTestId('confirm-code-submit'));
    expect((await screen.findByTestId('form-error')).textContent).toBe('Wrong or expired code.');
    await userEvent.clear(code);
    await userEvent.type(code, '123456');
    await userEvent.click(screen.getByTestId('confirm-code-submit'));
    await waitFor(() => expect(screen.queryByTestId('confirm-code-input')).toBeNull());
    expect(fake.identities.find((i) => i.kind === 'email')?.confirmed).toBe(true);
  });

  it('explains quarantine before removing a nick', async () => {
    const fake = await openIdentity();
    await userEvent.click(screen.getByTestId('identity-remove'));
    const dialog = await screen.findByTestId('identity-remove-dialog');
    expect(dialog.textContent).toContain('quarantine for 90 days');
    expect(dialog.textContent).toContain('you can take it back');
    await userEvent.click(within(dialog).getByTestId('identity-remove-confirm'));
    await waitFor(() => expect(screen.queryByTestId('identity-row')).toBeNull());
    expect(fake.callsOf('identity_remove')).toEqual([['t1']]);
  });

  it('offers no more nicks once there are five', async () => {
    const fake = signedIn();
    fake.identities = ['a', 'b', 'c', 'd', 'e'].map((x, i) => ({
      token_id: `t${i}`,
      kind: 'nick' as const,
      value: `nick ${x}`,
      searchable: false,
      confirmed: true,
    }));
    renderApp(fake);
    await userEvent.click(await screen.findByTestId('nav-identity'));
    expect(await screen.findByText('You already have 5 nicks.')).toBeTruthy();
    expect(screen.queryByTestId('nick-add-input')).toBeNull();
  });
});
