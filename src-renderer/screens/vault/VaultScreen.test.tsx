// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RevealedEntry } from '../../../src-shared/ipc/contract.js';
import { clearClipboardNow } from '../../stores/clipboard-countdown.js';
import { useVaultStore } from '../../stores/vault-store.js';
import { fakeIpc, type FakeIpc } from '../../test/fake-ipc.js';
import {
  WORK_FINGERPRINT,
  callsTo,
  entry,
  folder,
  sharingView,
  snapshot,
  vaultIpc,
} from '../../test/vault-fixtures.js';
import { VaultScreen } from './VaultScreen.js';

let clipboard: { text: string };
const writeText = vi.fn(async (text: string) => {
  clipboard.text = text;
});
const readText = vi.fn(async () => clipboard.text);

beforeEach(() => {
  useVaultStore.getState().reset();
  clipboard = { text: '' };
  writeText.mockClear();
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText, readText },
    configurable: true,
  });
});

afterEach(async () => {
  cleanup();
  await clearClipboardNow();
  vi.useRealTimers();
});

function revealed(path: string, value: string, version = 1): RevealedEntry {
  return { path, value, version, writer: 'ada', expiresAt: null };
}

async function open(ipc: FakeIpc = vaultIpc(fakeIpc())) {
  render(<VaultScreen />);
  await screen.findByRole('listbox', { name: 'Entries' });
  return ipc;
}

async function openEntry(name: string) {
  fireEvent.click(screen.getByRole('button', { name: 'team' }));
  if (name.startsWith('db/')) {
    fireEvent.click(await screen.findByRole('button', { name: 'db' }));
    name = name.slice(3);
  }
  fireEvent.click(await screen.findByRole('option', { name: new RegExp(`^${name}`) }));
  return screen.findByRole('region', { name: new RegExp(`/${name}$`) });
}

const button = (name: string) => screen.getByRole('button', { name });

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
