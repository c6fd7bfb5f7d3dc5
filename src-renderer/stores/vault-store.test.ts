// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeIpc } from '../test/fake-ipc.js';
import {
  HOME_FINGERPRINT,
  WORK_FINGERPRINT,
  callsTo,
  entry,
  folder,
  snapshot,
  vaultIpc,
} from '../test/vault-fixtures.js';
import { filterEntries, isOffline, selectVisibleEntries, useVaultStore } from './vault-store.js';

const store = () => useVaultStore.getState();
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => store().reset());
afterEach(() => vi.useRealTimers());

describe('filterEntries', () => {
  const snap = snapshot({
    namespaces: [folder(''), folder('team')],
    entries: [
      entry('readme'),
      entry('team/DB-Password'),
      entry('team/api-key'),
      entry('other/secret', { namespace: 'other' }),
    ],
  });

  it('shows the entries of the current folder only', () => {
    expect(filterEntries(snap, 'team', '').map((e) => e.path)).toEqual([
      'team/DB-Password',
      'team/api-key',
    ]);
    expect(filterEntries(snap, '', '').map((e) => e.path)).toEqual(['readme']);
  });

  it('searches every entry of the workspace, case-insensitive, all words', () => {
    expect(filterEntries(snap, '', 'db').map((e) => e.path)).toEqual(['team/DB-Password']);
    expect(filterEntries(snap, 'team', 'E').map((e) => e.path)).toEqual([
      'readme',
      'team/DB-Password',
      'team/api-key',
      'other/secret',
    ]);
    expect(filterEntries(snap, '', 'team  pass').map((e) => e.path)).toEqual(['team/DB-Password']);
    expect(filterEntries(snap, '', 'nothing-like-it')).toEqual([]);
  });

  it('puts entries whose folder you cannot see under "Shared with you" (null)', () => {
    expect(filterEntries(snap, null, '').map((e) => e.path)).toEqual(['other/secret']);
  });

  it('memoizes the visible list for the same state', () => {
    useVaultStore.setState({ snapshot: snap, namespace: 'team', query: '' });
    const first = selectVisibleEntries(store());
    expect(selectVisibleEntries(store())).toBe(first);
    useVaultStore.setState({ query: 'api' });
    expect(selectVisibleEntries(store()).map((e) => e.path)).toEqual(['team/api-key']);
  });
});

describe('vault store', () => {
  it('loads on attach and fetches again when vault.changed arrives', async () => {
    const ipc = vaultIpc(fakeIpc());
    const detach = store().attach();
    await flush();
    expect(store().snapshot?.entries).toHaveLength(4);
    expect(store().workspaces).toHaveLength(2);
    expect(store().connection?.online).toBe(true);
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(1);

    ipc.on('vault.snapshot', () => snapshot({ entries: [entry('readme', { version: 2 })] }));
    ipc.push('vault.changed', { workspaceId: 'home', origin: 'remote' });
    await flush();
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(2);
    expect(store().snapshot?.entries.map((e) => e.version)).toEqual([2]);

    // Another workspace's change is not ours; after detaching nothing is fetched.
    ipc.push('vault.changed', { workspaceId: 'work', origin: 'remote' });
    detach();
    ipc.push('vault.changed', { workspaceId: 'home', origin: 'remote' });
    await flush();
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(2);
  });

  it('coalesces a burst of changes into one more fetch', async () => {
    const ipc = vaultIpc(fakeIpc());
    await store().load();
    let release: () => void = () => undefined;
    ipc.on('vault.snapshot', () => new Promise((resolve) => (release = () => resolve(snapshot()))));
    const first = store().load();
    void store().load();
    void store().load();
    release();
    await flush();
    release();
    await first;
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(3); // the initial one, then 1 + 1
  });

  it('keeps the selection while the entry exists and moves up from a deleted folder', async () => {
    const ipc = vaultIpc(fakeIpc());
    await store().load();
    store().setNamespace('team/db');
    store().select('team/db/password');
    ipc.on('vault.snapshot', () =>
      snapshot({ namespaces: [folder(''), folder('team')], entries: [entry('readme')] }),
    );
    await store().load();
    expect(store().namespace).toBe('team');
    expect(store().selected).toBeNull();
  });

  it('is offline with a cached copy or when the connection drops, and refetches when back', async () => {
    const ipc = vaultIpc(fakeIpc());
    store().attach();
    await flush();
    expect(isOffline(store())).toBe(false);
    ipc.push('vault.connection', {
      online: false,
      reason: 'No route',
      since: '2026-03-01T10:00:00.000Z',
    });
    expect(isOffline(store())).toBe(true);
    ipc.push('vault.connection', { online: true, reason: null, since: '2026-03-01T10:01:00.000Z' });
    await flush();
    expect(isOffline(store())).toBe(false);
    expect(callsTo(ipc, 'vault.snapshot')).toHaveLength(2);

    useVaultStore.setState({ snapshot: snapshot({ source: 'cache', offlineReason: 'x' }) });
    expect(isOffline(store())).toBe(true);
  });

  it('hands a revealed value to the caller without keeping it', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.reveal', () => ({
      path: 'readme',
      value: 'hunter2-secret',
      version: 1,
      writer: 'ada',
      expiresAt: null,
    }));
    await store().load();
    const result = await store().reveal('readme');
    expect(result.ok && result.value.value).toBe('hunter2-secret');
    expect(JSON.stringify(store())).not.toContain('hunter2-secret');
  });

  it('offers undo after a delete until undoSeconds pass', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const ipc = vaultIpc(fakeIpc());
    ipc.on('vault.deleteEntry', () => ({ path: 'readme', undoToken: 'tok-1', undoSeconds: 10 }));
    ipc.on('vault.undoDelete', () => entry('readme', { version: 2 }));
    await store().load();
    store().select('readme');
    expect(await store().deleteEntry('readme')).toBe(true);
    expect(store().undo).toMatchObject({ path: 'readme', undoToken: 'tok-1' });
    expect(store().selected).toBeNull();
    expect(await store().undoDelete()).toBe(true);
    expect(callsTo(ipc, 'vault.undoDelete')).toEqual([{ undoToken: 'tok-1' }]);
    expect(store().undo).toBeNull();
    expect(store().selected).toBe('readme');

    await store().deleteEntry('readme');
    vi.advanceTimersByTime(10_001);
    expect(store().undo).toBeNull();
    expect(await store().undoDelete()).toBe(false);
    expect(callsTo(ipc, 'vault.undoDelete')).toHaveLength(1);
  });

  it('returns the error of a refused write (for the dialog to explain)', async () => {
    const ipc = vaultIpc(fakeIpc());
    ipc.fail('vault.setEntry', 'STORE_CONFLICT', 'Someone else changed it.');
    const result = await store().saveEntry({
      path: 'readme',
      value: 'x',
      expiresAt: null,
      expectVersion: 1,
    });
    expect(result).toEqual({
      ok: false,
      error: { code: 'STORE_CONFLICT', message: 'Someone else changed it.' },
    });
    expect(store().busy).toBe(false);
  });

  it('saves, refreshes and selects the saved entry', async () => {
    const ipc = vaultIpc(fakeIpc());
    await store().load();
    ipc.on('vault.setEntry', () => entry('team/db/new'));
    ipc.on('vault.snapshot', () =>
      snapshot({ entries: [...snapshot().entries, entry('team/db/new')] }),
    );
    const result = await store().saveEntry({
      path: 'team/db/new',
      value: 'v',
      expiresAt: null,
      create: true,
    });
    expect(result.ok).toBe(true);
    expect(store().namespace).toBe('team/db');
    expect(store().selected).toBe('team/db/new');
    expect(store().notice?.text).toBe('Saved team/db/new');
  });

  it('switches workspace: forgets the old view and loads the new one', async () => {
    const ipc = vaultIpc(fakeIpc());
    await store().load();
    store().setNamespace('team');
    store().setQuery('db');
    ipc.on('vault.switchWorkspace', () => ({
      workspaces: [
        {
          id: 'home',
          displayName: 'Home',
          current: false,
          fingerprint: HOME_FINGERPRINT,
          verifiedHere: true,
        },
        {
          id: 'work',
          displayName: 'Work',
          current: true,
          fingerprint: WORK_FINGERPRINT,
          verifiedHere: true,
        },
      ],
    }));
    ipc.on('vault.snapshot', () =>
      snapshot({ workspaceId: 'work', displayName: 'Work', entries: [] }),
    );
    expect(await store().switchWorkspace('work', WORK_FINGERPRINT)).toBe(true);
    expect(callsTo(ipc, 'vault.switchWorkspace')).toEqual([
      { workspaceId: 'work', expectFingerprint: WORK_FINGERPRINT },
    ]);
    expect(store().snapshot?.workspaceId).toBe('work');
    expect(store().query).toBe('');
    expect(store().namespace).toBe('');
    expect(store().workspaces.find((w) => w.current)?.id).toBe('work');
  });

  it('drops an answer that arrives after a reset (locked meanwhile)', async () => {
    const ipc = vaultIpc(fakeIpc());
    let release: () => void = () => undefined;
    ipc.on('vault.snapshot', () => new Promise((resolve) => (release = () => resolve(snapshot()))));
    const loading = store().load();
    store().reset();
    release();
    await loading;
    expect(store().snapshot).toBeNull();
  });
});
