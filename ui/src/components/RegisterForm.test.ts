import { screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeBackend } from '../test/fakeBackend';
import { renderApp } from '../test/app';

async function registerForm() {
  const fake = new FakeBackend();
  renderApp(fake);
  return { fake, nick: await screen.findByTestId('register-nick') };
}

describe('registering a nick', () => {
  it('explains the nick rules under the empty nick field before anything is typed', async () => {
    await registerForm();
    expect(document.getElementById('register-nick-check')?.textContent?.trim()).toBe(
      'At least 4 characters. Others can find you by it if you allow it.',
    );
  });

  it('shows the normalized form of the nick while typing', async () => {
    const { nick } = await registerForm();
    await userEvent.type(nick, '  Zoë   Q. Public ');
    expect(await screen.findByTestId('check-normalized')).toHaveProperty(
      'textContent',
      'Will be registered as: zoë q. public',
    );
  });

  it('says why a short nick is refused', async () => {
    const { nick } = await registerForm();
    await userEvent.type(nick, 'ab');
    expect((await screen.findByTestId('check-refusal')).textContent).toBe('Too short: at least 4 characters.');
    expect(nick.getAttribute('aria-invalid')).toBe('true');
  });

  it('says a nick with invisible characters is refused and does not register it', async () => {
    const { fake, nick } = await registerForm();
    await userEvent.type(nick, 'ali\u200bce');
    await userEvent.type(screen.getByTestId('register-password'), 'long enough');
    await userEvent.type(screen.getByTestId('register-password2'), 'long enough');
    await userEvent.click(screen.getByTestId('register-submit'));
    expect((await screen.findByTestId('check-refusal')).textContent).toBe('Contains invisible characters.');
    expect(fake.callsOf('register')).toEqual([]);
  });

  it('refuses two different passwords before asking the backend', async () => {
    const { fake, nick } = await registerForm();
    await userEvent.type(nick, 'samwise');
    await userEvent.type(screen.getByTestId('register-password'), 'long enough');
    await userEvent.type(screen.getByTestId('register-password2'), 'long enougH');
    await userEvent.click(screen.getByTestId('register-submit'));
    expect((await screen.findByTestId('form-error')).textContent).toBe('The two passwords are not the same.');
    expect(fake.callsOf('register')).toEqual([]);
  });

  it('shows a taken nick as the reason next to the nick and the message plainly', async () => {
    const { nick } = await registerForm();
    await userEvent.type(nick, 'Taken');
    await userEvent.type(screen.getByTestId('register-password'), 'long enough');
    await userEvent.type(screen.getByTestId('register-password2'), 'long enough');
    await userEvent.click(screen.getByTestId('register-submit'));
    expect((await screen.findByTestId('check-refusal')).textContent).toBe('This nick is taken.');
  });

  it('registers with the searchable choice and opens the app', async () => {
    const { fake, nick } = await registerForm();
    await userEvent.type(nick, 'samwise');
    await userEvent.type(screen.getByTestId('register-password'), 'long enough');
    await userEvent.type(screen.getByTestId('register-password2'), 'long enough');
    await userEvent.click(screen.getByTestId('register-searchable'));
    await userEvent.click(screen.getByTestId('register-submit'));
    expect(await screen.findByTestId('nav-invitations')).toBeTruthy();
    await waitFor(() => expect(fake.callsOf('register')).toEqual([['samwise', 'long enough', false]]));
  });
});
