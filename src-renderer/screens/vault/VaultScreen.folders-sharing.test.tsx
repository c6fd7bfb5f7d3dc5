// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeIpc } from '../../test/fake-ipc.js';
import {
  callsTo,
  entry,
  folder,
  sharingView,
  snapshot,
  vaultIpc,
} from '../../test/vault-fixtures.js';
import { button, open, openEntry, setUpVaultScreenTests } from '../../test/vault-screen.js';

setUpVaultScreenTests();

describe('VaultScreen: new entries and folders', () => {
  it('creates an entry inside the open folder', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.setEntry', () => entry('team/token'));
    await open(ipc);
    fireEvent.click(button('team'));
    fireEvent.click(button('New entry'));
    const dialog = screen.getByRole('dialog', { name: 'New entry' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'token' } });
    fireEvent.change(within(dialog).getByLabelText('Value'), { target: { value: 'abc' } });
    fireEvent.change(within(dialog).getByLabelText('Expires'), {
      target: { value: '2027-05-01T09:30' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsTo(ipc, 'vault.setEntry')).toEqual([
      {
        path: 'team/token',
        value: 'abc',
        expiresAt: new Date('2027-05-01T09:30').toISOString(),
        create: true,
      },
    ]);
  });

  it('opens New entry with Ctrl+N', async () => {
    await open();
    fireEvent.keyDown(document.body, { key: 'n', ctrlKey: true });
    expect(screen.getByRole('dialog', { name: 'New entry' })).toBeTruthy();
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('offers an isolated folder only with Take access away', async () => {
    const ipc = vaultIpc(
      fakeIpc(),
      snapshot({ namespaces: [folder('', { access: ['READ', 'WRITE', 'DELETE'] })] }),
    );
    ipc.on('vault.createNamespace', () => folder('ops'));
    await open(ipc);
    fireEvent.click(button('New folder'));
    const dialog = screen.getByRole('dialog', { name: 'New folder' });
    const isolated = within(dialog).getByLabelText(/Isolated: only you get its key/);
    expect((isolated as HTMLInputElement).disabled).toBe(true);
    expect(dialog.textContent).toContain('needs Take access away');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'ops' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create folder' }));
    await waitFor(() =>
      expect(callsTo(ipc, 'vault.createNamespace')).toEqual([{ path: 'ops', isolated: false }]),
    );
  });

  it('creates an isolated folder with EJECT, and marks isolated folders', async () => {
    const ipc = vaultIpc(
      fakeIpc(),
      snapshot({ namespaces: [folder(''), folder('vault', { isolated: true, access: [] })] }),
    );
    ipc.on('vault.createNamespace', () => folder('mine', { isolated: true }));
    await open(ipc);
    const locked = screen.getByRole('button', { name: /^vault \(isolated\)/ });
    expect(locked.getAttribute('title')).toContain('Isolated folder');
    fireEvent.click(locked);
    expect(
      screen.getByRole('heading', { name: 'You cannot read inside this folder' }),
    ).toBeTruthy();
    fireEvent.click(button('Root'));
    fireEvent.click(button('New folder'));
    const dialog = screen.getByRole('dialog', { name: 'New folder' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'mine' } });
    fireEvent.click(within(dialog).getByLabelText(/Isolated: only you get its key/));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create folder' }));
    await waitFor(() =>
      expect(callsTo(ipc, 'vault.createNamespace')).toEqual([{ path: 'mine', isolated: true }]),
    );
  });

  it('deletes a folder after explaining that its contents move up', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.deleteNamespace', () => ({ path: 'team', moved: 2 }));
    await open(ipc);
    fireEvent.click(button('team'));
    fireEvent.click(button('Delete folder'));
    const dialog = screen.getByRole('dialog', { name: 'Delete folder team?' });
    expect(dialog.textContent).toContain('moves up one level, into the root folder');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete the folder' }));
    await waitFor(() => expect(callsTo(ipc, 'vault.deleteNamespace')).toEqual([{ path: 'team' }]));
    expect((await screen.findByTestId('notice-toast')).textContent).toBe(
      'Deleted folder team; 2 items moved up one level',
    );
  });
});

describe('VaultScreen: sharing', () => {
  it('grants with plain-word access, and revokes after confirming, showing what changed', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.sharing', () => sharingView());
    ipc.on('vault.grant', () =>
      sharingView({
        grants: [
          ...sharingView().grants,
          { grantee: 'cy', granter: 'ada', access: ['READ', 'DELETE'], valid: true, problem: null },
        ],
      }),
    );
    ipc.on('vault.revoke', () => ({
      sharing: sharingView({ grants: [] }),
      cannot: ['bob cannot read anything written in team from now on.'],
      canStill: ['bob may still know the 2 values he read before.'],
    }));
    await open(ipc);
    fireEvent.click(button('team'));
    fireEvent.click(button('Share folder'));
    const dialog = await screen.findByRole('dialog', { name: 'Share team' });
    await within(dialog).findByTestId('grant-bob');
    expect(within(dialog).getByTestId('access-bob').textContent).toBe('bobRead, Write');
    expect(within(dialog).getByTestId('access-cy').textContent).toBe('cyNo access');
    expect(callsTo(ipc, 'vault.sharing')).toEqual([{ path: 'team', kind: 'namespace' }]);

    const grant = within(dialog).getByRole('button', { name: 'Grant' }) as HTMLButtonElement;
    expect(grant.disabled).toBe(true); // no member chosen
    fireEvent.change(within(dialog).getByLabelText('Member'), { target: { value: 'cy' } });
    expect(grant.disabled).toBe(false);
    fireEvent.click(within(dialog).getByLabelText('Read'));
    expect(grant.disabled).toBe(true); // Read is required
    expect(dialog.textContent).toContain('Read is required');
    fireEvent.click(within(dialog).getByLabelText('Read'));
    fireEvent.click(within(dialog).getByLabelText('Delete'));
    expect(within(dialog).getByLabelText('Take access away')).toBeTruthy();
    fireEvent.click(grant);
    await within(dialog).findByTestId('grant-cy');
    expect(callsTo(ipc, 'vault.grant')).toEqual([
      { path: 'team', kind: 'namespace', grantee: 'cy', access: ['READ', 'DELETE'] },
    ]);
    expect(dialog.textContent).toContain('cy can now: Read, Delete.');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke bob' }));
    const confirm = screen.getByRole('dialog', { name: 'Share team' });
    expect(confirm.textContent).toContain('Take access away from bob?');
    expect(callsTo(ipc, 'vault.revoke')).toHaveLength(0);
    fireEvent.click(within(confirm).getByRole('button', { name: 'Revoke bob' }));
    const result = await screen.findByTestId('revoke-result');
    expect(result.textContent).toContain('bob cannot read anything written in team from now on.');
    expect(result.textContent).toContain('bob may still know the 2 values he read before.');
    expect(callsTo(ipc, 'vault.revoke')).toEqual([
      { path: 'team', kind: 'namespace', grantee: 'bob' },
    ]);
  });

  it('cannot give what you do not hold, nor revoke without Take access away', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.sharing', () =>
      sharingView({ path: 'team/api-key', kind: 'entry', yourAccess: ['READ', 'WRITE'] }),
    );
    await open(ipc);
    const view = await openEntry('api-key');
    fireEvent.click(within(view).getByRole('button', { name: 'Share' }));
    const dialog = await screen.findByRole('dialog', { name: 'Share team/api-key' });
    await within(dialog).findByTestId('grant-bob');
    expect((within(dialog).getByLabelText('Delete') as HTMLInputElement).disabled).toBe(true);
    expect((within(dialog).getByLabelText('Write') as HTMLInputElement).disabled).toBe(false);
    const revoke = within(dialog).getByRole('button', { name: 'Revoke bob' }) as HTMLButtonElement;
    expect(revoke.disabled).toBe(true);
    expect(revoke.title).toContain('you need Take access away');
  });
});
