// @vitest-environment jsdom
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeIpc } from '../../test/fake-ipc.js';
import { callsTo, entry, snapshot, vaultIpc } from '../../test/vault-fixtures.js';
import { VaultScreen } from './VaultScreen.js';
import { button, open, openEntry, setUpVaultScreenTests } from '../../test/vault-screen.js';

setUpVaultScreenTests();

describe('VaultScreen: offline and empty states', () => {
  it('shows the offline banner and disables every write', async () => {
    await open(
      vaultIpc(
        fakeIpc(),
        snapshot({ source: 'cache', offlineReason: 'The server did not answer.' }),
      ),
    );
    const banner = screen.getByTestId('offline-banner');
    expect(banner.textContent).toMatch(
      /^Offline — showing the copy saved on this device at .+\. Changes are disabled until the server is back\./,
    );
    expect(banner.textContent).toContain('The server did not answer.');
    expect((button('New entry') as HTMLButtonElement).disabled).toBe(true);
    expect((button('New folder') as HTMLButtonElement).disabled).toBe(true);
    const view = await openEntry('api-key');
    for (const name of ['Edit', 'Delete']) {
      const b = within(view).getByRole('button', { name }) as HTMLButtonElement;
      expect(b.disabled).toBe(true);
      expect(b.title).toContain('Offline');
    }
    expect(
      (within(view).getByRole('button', { name: 'Reveal' }) as HTMLButtonElement).disabled,
    ).toBe(false);
    expect((button('Delete folder') as HTMLButtonElement).disabled).toBe(true);
  });

  it('goes offline when the connection drops, and back', async () => {
    const ipc = await open();
    expect(screen.queryByTestId('offline-banner')).toBeNull();
    act(() =>
      ipc.push('vault.connection', {
        online: false,
        reason: 'No route',
        since: '2026-03-01T10:00:00.000Z',
      }),
    );
    expect(screen.getByTestId('offline-banner')).toBeTruthy();
    expect((button('New entry') as HTMLButtonElement).disabled).toBe(true);
    act(() =>
      ipc.push('vault.connection', {
        online: true,
        reason: null,
        since: '2026-03-01T10:00:00.000Z',
      }),
    );
    expect(screen.queryByTestId('offline-banner')).toBeNull();
    expect((button('New entry') as HTMLButtonElement).disabled).toBe(false);
  });

  it('no store yet: an administrator creates it with the first entry', async () => {
    const ipc = vaultIpc(fakeIpc(), snapshot({ hasStore: false, namespaces: [], entries: [] }));
    render(<VaultScreen />);
    fireEvent.click(await screen.findByRole('button', { name: 'Create the first entry' }));
    expect(screen.getByRole('dialog', { name: 'New entry' })).toBeTruthy();
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(1);
  });

  it('no store yet: a member waits for an administrator', async () => {
    vaultIpc(
      fakeIpc(),
      snapshot({ hasStore: false, canCreateStore: false, namespaces: [], entries: [] }),
    );
    render(<VaultScreen />);
    expect(
      await screen.findByRole('heading', {
        name: 'An administrator has not created the store yet.',
      }),
    ).toBeTruthy();
    expect((button('New entry') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Create the first entry' })).toBeNull();
  });

  it('nothing shared with you yet', async () => {
    vaultIpc(fakeIpc(), snapshot({ namespaces: [], entries: [] }));
    render(<VaultScreen />);
    expect(
      await screen.findByRole('heading', { name: 'Nothing has been shared with you yet' }),
    ).toBeTruthy();
  });

  it('entries shared one by one appear under "Shared with you"', async () => {
    vaultIpc(
      fakeIpc(),
      snapshot({
        namespaces: [],
        entries: [entry('ops/deploy-key', { access: ['READ'] })],
      }),
    );
    render(<VaultScreen />);
    expect(await screen.findByRole('option', { name: /deploy-key/ })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Shared with you' })).toBeTruthy();
    expect((button('New entry') as HTMLButtonElement).disabled).toBe(true);
  });
});
