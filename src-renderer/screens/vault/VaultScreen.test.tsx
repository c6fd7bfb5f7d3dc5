// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeIpc } from '../../test/fake-ipc.js';
import { WORK_FINGERPRINT, callsTo, entry, snapshot, vaultIpc } from '../../test/vault-fixtures.js';
import {
  button,
  clipboard,
  open,
  openEntry,
  revealed,
  setUpVaultScreenTests,
  writeText,
} from '../../test/vault-screen.js';

setUpVaultScreenTests();

describe('VaultScreen: browsing and search', () => {
  it('shows the folder tree and the entries of the open folder', async () => {
    await open();
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['readme']);
    expect(screen.getByRole('button', { name: 'Home' }).getAttribute('aria-current')).toBe('true');
    fireEvent.click(button('team'));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['api-key']);
    expect(screen.getByRole('heading', { name: 'team' })).toBeTruthy();
    // team/db is inside team: collapse hides it.
    expect(button('db')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Collapse team' }));
    expect(screen.queryByRole('button', { name: 'db' })).toBeNull();
  });

  it('opens a workspace this device never verified only after the fingerprint was compared', async () => {
    const ipc = await open();
    ipc.on('vault.switchWorkspace', () => ({ workspaces: [] }));
    fireEvent.click(
      within(screen.getByRole('navigation', { name: 'Workspaces' })).getByText('Work'),
    );
    const dialog = await screen.findByRole('dialog', { name: 'Open Work?' });
    expect(
      within(dialog).getByRole('group', { name: `Fingerprint of Work: ${WORK_FINGERPRINT}` }),
    ).toBeTruthy();
    const openButton = within(dialog).getByRole('button', { name: 'Open workspace' });
    expect((openButton as HTMLButtonElement).disabled).toBe(true);
    expect(callsTo(ipc, 'vault.switchWorkspace')).toEqual([]);
    fireEvent.click(within(dialog).getByLabelText(/I compared this fingerprint/));
    fireEvent.click(openButton);
    await waitFor(() =>
      expect(callsTo(ipc, 'vault.switchWorkspace')).toEqual([
        { workspaceId: 'work', expectFingerprint: WORK_FINGERPRINT },
      ]),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('filters as you type across the workspace, highlights, and says when nothing matches', async () => {
    await open();
    const search = screen.getByLabelText('Search entries');
    fireEvent.change(search, { target: { value: 'PASS' } });
    const options = screen.getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual([
      'password team/db',
      'replica-password team/db expired',
    ]);
    expect(screen.getByRole('listbox', { name: 'Search results' })).toBeTruthy();
    expect([...options[0]!.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['pass']);
    fireEvent.change(search, { target: { value: 'zzz' } });
    expect(screen.queryAllByRole('option')).toHaveLength(0);
    expect(screen.getByRole('heading', { name: 'No entries match “zzz”' })).toBeTruthy();
    fireEvent.keyDown(search, { key: 'Escape' });
    expect((search as HTMLInputElement).value).toBe('');
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['readme']);
  });

  it('keeps 10,000 entries to a window of rows', async () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => entry(`k${i}`));
    await open(vaultIpc(fakeIpc(), snapshot({ entries })));
    expect(screen.getAllByRole('option').length).toBeLessThan(40);
    expect(screen.getByText('10,000 entries')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Search entries'), { target: { value: 'k9999' } });
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['k9999']);
  });

  it('fetches again when vault.changed arrives', async () => {
    const ipc = await open();
    ipc.on('vault.snapshot', () =>
      snapshot({ entries: [entry('readme'), entry('new-from-bob', { writer: 'bob' })] }),
    );
    act(() => ipc.push('vault.changed', { workspaceId: 'home', origin: 'remote' }));
    expect(await screen.findByRole('option', { name: 'new-from-bob' })).toBeTruthy();
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(2);
  });

  it('"/" and Ctrl+F focus the search; "?" shows the shortcuts', async () => {
    await open();
    fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(screen.getByLabelText('Search entries'));
    (document.activeElement as HTMLElement).blur();
    fireEvent.keyDown(document.body, { key: 'f', ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByLabelText('Search entries'));
    (document.activeElement as HTMLElement).blur();
    fireEvent.keyDown(document.body, { key: '?' });
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' }).textContent).toContain(
      'Lock Backbone',
    );
  });
});

describe('VaultScreen: an entry', () => {
  it('shows the metadata; Reveal shows the value, Hide and another entry drop it', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.reveal', (request) =>
      revealed(
        (request as { path: string }).path,
        'value-of-' + (request as { path: string }).path,
      ),
    );
    await open(ipc);
    const view = await openEntry('api-key');
    expect(view.textContent).toContain('Last changed by bob · version 3');
    expect(view.textContent).toContain('ExpiresNever');
    fireEvent.click(within(view).getByRole('button', { name: 'Reveal' }));
    expect((await screen.findByTestId('entry-value')).textContent).toBe('value-of-team/api-key');
    fireEvent.click(within(view).getByRole('button', { name: 'Hide' }));
    expect(screen.queryByTestId('entry-value')).toBeNull();
    expect(screen.queryByText('value-of-team/api-key')).toBeNull();

    fireEvent.click(within(view).getByRole('button', { name: 'Reveal' }));
    await screen.findByTestId('entry-value');
    fireEvent.click(button('Root'));
    fireEvent.click(screen.getByRole('option', { name: 'readme' }));
    await screen.findByRole('region', { name: 'readme' });
    expect(screen.queryByTestId('entry-value')).toBeNull();
    expect(document.body.textContent).not.toContain('value-of-team/api-key');
  });

  it('marks an expired entry', async () => {
    await open();
    const view = await openEntry('db/replica-password');
    expect(within(view).getByText('expired')).toBeTruthy();
  });

  it('copies in browser mode, counts down, then clears the clipboard', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.copy', () => ({ by: 'renderer', value: 'p4ss', clearAfterSeconds: 30 }));
    await open(ipc);
    const view = await openEntry('api-key');
    fireEvent.click(within(view).getByRole('button', { name: 'Copy' }));
    expect(await screen.findByText('Copied — clears in 30 s')).toBeTruthy();
    expect(writeText).toHaveBeenCalledWith('p4ss');
    expect(callsTo(ipc, 'vault.copy')).toEqual([{ path: 'team/api-key' }]);
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(screen.getByText('Copied — clears in 20 s')).toBeTruthy();
    expect(clipboard.text).toBe('p4ss');
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(clipboard.text).toBe('');
    expect(screen.queryByTestId('copy-toast')).toBeNull();
  });

  it('copies the selected entry with Ctrl+C (core mode: only the countdown)', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.copy', () => ({ by: 'core', clearAfterSeconds: 45 }));
    await open(ipc);
    await openEntry('api-key');
    fireEvent.keyDown(screen.getByRole('listbox'), { key: 'c', ctrlKey: true });
    expect(await screen.findByText('Copied — clears in 45 s')).toBeTruthy();
    expect(writeText).not.toHaveBeenCalled();
    // Not while typing in a field.
    fireEvent.keyDown(screen.getByLabelText('Search entries'), { key: 'c', ctrlKey: true });
    expect(callsTo(ipc, 'vault.copy')).toHaveLength(1);
  });

  it('deletes with an Undo that calls vault.undoDelete', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.deleteEntry', () => ({
      path: 'team/api-key',
      undoToken: 'undo-123',
      undoSeconds: 10,
    }));
    ipc.on('vault.undoDelete', () => entry('team/api-key', { version: 4 }));
    await open(ipc);
    const view = await openEntry('api-key');
    ipc.on('vault.snapshot', () =>
      snapshot({ entries: snapshot().entries.filter((e) => e.path !== 'team/api-key') }),
    );
    fireEvent.click(within(view).getByRole('button', { name: 'Delete' }));
    const toast = await screen.findByTestId('undo-toast');
    expect(toast.textContent).toContain('Deleted team/api-key');
    await waitFor(() => expect(screen.queryByRole('option', { name: 'api-key' })).toBeNull());
    ipc.on('vault.snapshot', () => snapshot());
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));
    await waitFor(() =>
      expect(callsTo(ipc, 'vault.undoDelete')).toEqual([{ undoToken: 'undo-123' }]),
    );
    expect(await screen.findByRole('option', { name: 'api-key' })).toBeTruthy();
    expect(screen.queryByTestId('undo-toast')).toBeNull();
  });

  it('edits with the version it read, and explains a conflict with a reload', async () => {
    const ipc = vaultIpc(fakeIpc());
    let version = 3;
    ipc.on('vault.reveal', () => revealed('team/api-key', `v${version}`, version));
    ipc.fail('vault.setEntry', 'STORE_CONFLICT', 'The entry changed.');
    await open(ipc);
    const view = await openEntry('api-key');
    fireEvent.click(within(view).getByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit entry' });
    const value = await within(dialog).findByLabelText('Value');
    expect((value as HTMLTextAreaElement).value).toBe('v3');
    fireEvent.change(value, { target: { value: 'mine' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText(/Someone else changed this entry/)).toBeTruthy();
    expect(callsTo(ipc, 'vault.setEntry')).toEqual([
      { path: 'team/api-key', value: 'mine', expiresAt: null, expectVersion: 3 },
    ]);
    version = 4;
    ipc.on('vault.setEntry', () => entry('team/api-key', { version: 5 }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Reload' }));
    await waitFor(() => expect((value as HTMLTextAreaElement).value).toBe('v4'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsTo(ipc, 'vault.setEntry').at(-1)).toMatchObject({ expectVersion: 4 });
  });

  it('disables what your access does not allow, and says why', async () => {
    await open(vaultIpc(fakeIpc(), snapshot({ entries: [entry('readme', { access: ['READ'] })] })));
    fireEvent.click(screen.getByRole('option', { name: 'readme' }));
    const view = await screen.findByRole('region', { name: 'readme' });
    const edit = within(view).getByRole('button', { name: 'Edit' }) as HTMLButtonElement;
    const del = within(view).getByRole('button', { name: 'Delete' }) as HTMLButtonElement;
    expect(edit.disabled).toBe(true);
    expect(del.disabled).toBe(true);
    expect(edit.title).toContain('you need Write access');
    expect(view.textContent).toContain(
      'You cannot delete this entry here: you need Delete access.',
    );
    expect((within(view).getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(
      false,
    );
  });
});
