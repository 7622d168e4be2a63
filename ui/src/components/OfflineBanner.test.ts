import { screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { renderApp, signedIn } from '../test/app';

describe('the offline banner', () => {
  it('is hidden while online', async () => {
    renderApp(signedIn());
    const banner = await screen.findByTestId('offline-banner');
    expect(banner.hidden).toBe(true);
    expect(banner.textContent?.trim()).toBe('');
  });

  it('appears when the connection drops and goes when it is back', async () => {
    const fake = signedIn();
    renderApp(fake);
    const banner = await screen.findByTestId('offline-banner');
    fake.emit('sync-state', { state: 'offline' });
    await waitFor(() => expect(banner.hidden).toBe(false));
    expect(banner.textContent).toContain('Offline. Messages wait in the outbox');
    fake.emit('sync-state', { state: 'online' });
    await waitFor(() => expect(banner.hidden).toBe(true));
  });

  it('shows at start when the app opens offline', async () => {
    const fake = signedIn();
    fake.syncState = 'offline';
    renderApp(fake);
    await waitFor(() => expect(screen.getByTestId('offline-banner').hidden).toBe(false));
  });
});
