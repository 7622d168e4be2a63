import { screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp, signedIn } from '../test/app';

describe('a session the server ended', () => {
  it('takes the window back to the login screen and says why', async () => {
    const fake = signedIn();
    renderApp(fake);
    await screen.findByTestId('nav-conversations');

    fake.emit('session-ended', null);

    const notice = await screen.findByTestId('session-ended');
    expect(notice.textContent).toContain('your session was ended from another device');
    expect(screen.queryByTestId('nav-conversations')).toBeNull();
    expect(screen.getByTestId('login-value')).toBeTruthy();
  });

  it('no longer explains it once the user has logged in again', async () => {
    const fake = signedIn();
    renderApp(fake);
    await screen.findByTestId('nav-conversations');
    fake.emit('session-ended', null);
    await screen.findByTestId('session-ended');

    await userEvent.type(screen.getByTestId('login-value'), 'sam');
    await userEvent.type(screen.getByTestId('login-password'), 'correct horse');
    await userEvent.click(screen.getByTestId('login-submit'));

    await screen.findByTestId('nav-conversations');
    await userEvent.click(screen.getByTestId('nav-settings'));
    await userEvent.click(await screen.findByTestId('logout'));
    await screen.findByTestId('mode-register');
    expect(screen.queryByTestId('session-ended')).toBeNull();
  });
});
