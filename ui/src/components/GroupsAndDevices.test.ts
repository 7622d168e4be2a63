import { screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderApp, signedIn } from '../test/app';

describe('groups', () => {
  it('creates a group, invites an accepted contact and lists the members', async () => {
    const fake = signedIn();
    fake.contacts = [{ contact_id: 'p-alice', display_name: 'Alice', nick: 'alice', conversation_id: 'c-alice' }];
    renderApp(fake);
    await userEvent.click(await screen.findByTestId('group-create-open'));
    await userEvent.type(screen.getByTestId('group-name'), 'Weekend hike');
    await userEvent.click(screen.getByTestId('group-create-submit'));
    expect((await screen.findByTestId('conversation-title')).textContent).toBe('Weekend hike');
    await userEvent.click(screen.getByTestId('members-toggle'));
    const panel = await screen.findByTestId('group-members');
    await waitFor(() => expect(within(panel).getByRole('option', { name: 'Alice' })).toBeTruthy());
    await userEvent.selectOptions(within(panel).getByTestId('group-invite-select'), 'Alice');
    await userEvent.click(within(panel).getByTestId('group-invite-submit'));
    await waitFor(() => expect(within(panel).getAllByTestId('group-member')).toHaveLength(2));
    expect(within(panel).getAllByTestId('group-member')[1]?.textContent).toContain('invited');
  });

  it('leaves a group after a confirmation', async () => {
    const fake = signedIn();
    const group = await fake.groupCreate('Book club');
    renderApp(fake);
    await userEvent.click(await screen.findByTestId('conversation-row'));
    await userEvent.click(await screen.findByTestId('members-toggle'));
    await userEvent.click(await screen.findByTestId('group-leave'));
    await userEvent.click(screen.getByTestId('group-leave-confirm'));
    await waitFor(() => expect(screen.queryByTestId('conversation-row')).toBeNull());
    expect(fake.callsOf('group_leave')).toEqual([[group.id]]);
  });
});

describe('devices', () => {
  it('marks this device and, after revoking another, urges a new password and keys', async () => {
    const fake = signedIn();
    fake.devices = [
      { device_id: 'd1', name: 'Laptop', created_at: '2026-01-01T00:00:00Z', last_seen_at: '2026-03-01T00:00:00Z', current: true },
      { device_id: 'd2', name: 'Old desktop', created_at: '2026-01-01T00:00:00Z', last_seen_at: '2026-02-01T00:00:00Z', current: false },
    ];
    renderApp(fake);
    await userEvent.click(await screen.findByTestId('nav-devices'));
    const rows = await screen.findAllByTestId('device-row');
    expect(rows[0]?.textContent).toContain('This device');
    expect(within(rows[0]!).queryByTestId('device-revoke')).toBeNull();
    await userEvent.click(within(rows[1]!).getByTestId('device-revoke'));
    await userEvent.click(within(await screen.findByTestId('device-revoke-dialog')).getByTestId('device-revoke-confirm'));
    expect((await screen.findByTestId('device-revoked')).textContent).toContain('change your password and make new keys');
    expect(screen.getAllByTestId('device-row')).toHaveLength(1);
    expect(fake.callsOf('device_revoke')).toEqual([['d2']]);
  });
});
