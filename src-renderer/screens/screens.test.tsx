// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RendererBinding } from '../bridge/ipc.js';
import type { Settings, WorkspaceView } from '../../src-shared/ipc/contract.js';
import { App } from '../App.js';
import { useMembersStore } from '../stores/members-store.js';
import { useOnboardingStore } from '../stores/onboarding-store.js';
import { useSessionStore } from '../stores/session-store.js';
import { useSettingsStore } from '../stores/settings-store.js';
import { useVaultStore } from '../stores/vault-store.js';
import { FP, fakeIpc, sessionState, type FakeIpc } from '../test/fake-ipc.js';
import { vaultIpc } from '../test/vault-fixtures.js';
import { MembersScreen } from './MembersScreen.js';
import { SettingsScreen } from './SettingsScreen.js';
import { EmergencyKitScreen } from './onboarding/EmergencyKitScreen.js';

afterEach(cleanup);
beforeEach(() => {
  useSessionStore.setState({ session: null, error: null, busy: false, progress: null });
  useOnboardingStore.setState({ path: 'welcome', kit: null, error: null });
  useMembersStore.getState().reset();
  useSettingsStore.setState({ settings: null, error: null, busy: false, kit: null });
});

const settings: Settings = {
  autoLockMinutes: 10,
  clipboardSeconds: 30,
  theme: 'system',
  kdf: {
    current: { opslimit: 3, memlimit: 268435456 },
    floor: { opslimit: 3, memlimit: 268435456 },
    limit: { opslimit: 32, memlimit: 1073741824 },
  },
  server: { mode: 'embedded', url: 'http://127.0.0.1:1', serverId: 'bbs1x' },
  embeddedServerDir: '/data/server',
  passwordAccess: { enabled: false, possible: true },
};

function binding(ipc: FakeIpc): RendererBinding {
  return { client: ipc, kind: 'electron', onConnectionChange: () => () => undefined };
}

function appIpc(state = sessionState()): FakeIpc {
  const ipc = fakeIpc();
  ipc.on('app.status', () => ({
    appName: 'Backbone',
    version: '0.1.0',
    core: 'ready',
    dataDir: '/d',
    runtime: 'electron',
    platform: 'linux x64',
    nodeVersion: '20.0.0',
    startedAt: '2026-01-01T00:00:00.000Z',
  }));
  ipc.on('session.state', () => state);
  ipc.on('settings.get', () => settings);
  ipc.on('session.activity', () => ({}));
  return ipc;
}

describe('App picks the screen from the core’s session state', () => {
  it.each([
    [sessionState({ state: 'none', identity: null }), 'Welcome to Backbone'],
    [sessionState({ state: 'locked' }), 'Backbone is locked'],
    [sessionState({ setup: { ...sessionState().setup, server: null } }), 'Choose a server'],
    [sessionState({ setup: { ...sessionState().setup, workspace: null } }), 'Your workspace'],
  ])('%#', async (state, heading) => {
    const ipc = appIpc(state);
    ipc.on('onboarding.existingWorkspaces', () => ({ workspaces: [] }));
    render(<App binding={binding(ipc)} />);
    expect(await screen.findByRole('heading', { name: heading })).toBeTruthy();
  });

  it('opens on the store, locks with Ctrl+L (forgetting the store view) and follows the pushed state', async () => {
    const ipc = vaultIpc(appIpc());
    ipc.on('session.lock', () => sessionState({ state: 'locked' }));
    render(<App binding={binding(ipc)} />);
    await screen.findByRole('heading', { name: 'Store' });
    await screen.findByRole('option', { name: 'readme' });
    fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    expect(await screen.findByRole('heading', { name: 'Backbone is locked' })).toBeTruthy();
    expect(ipc.calls.some((c) => c.channel === 'session.lock')).toBe(true);
    act(() => ipc.push('session.changed', sessionState({ state: 'locked' })));
    expect(useVaultStore.getState().snapshot).toBeNull();
    act(() => ipc.push('session.changed', sessionState()));
    expect(await screen.findByRole('heading', { name: 'Store' })).toBeTruthy();
    ipc.on('members.workspace', () => new Promise(() => undefined));
    fireEvent.click(screen.getByRole('button', { name: 'Members' }));
    expect(await screen.findByRole('heading', { name: 'Members' })).toBeTruthy();
  });

  it('shows the loud verification warning', async () => {
    const ipc = appIpc(
      sessionState({
        state: 'locked',
        verification: {
          ok: false,
          code: 'MEMBERSHIP_FORK',
          message: 'A fork.',
          at: '2026-01-01T00:00:00.000Z',
        },
      }),
    );
    render(<App binding={binding(ipc)} />);
    const alarm = await screen.findByTestId('verification-alarm');
    expect(alarm.textContent).toContain('MEMBERSHIP_FORK');
    expect(alarm.getAttribute('role')).toBe('alert');
  });

  it('offers quick unlock only when the core says it is on', async () => {
    render(<App binding={binding(appIpc(sessionState({ state: 'locked', quickUnlock: true })))} />);
    expect(
      await screen.findByRole('button', { name: 'Unlock with the system keychain' }),
    ).toBeTruthy();
    cleanup();
    render(<App binding={binding(appIpc(sessionState({ state: 'locked' })))} />);
    await screen.findByRole('heading', { name: 'Backbone is locked' });
    expect(screen.queryByRole('button', { name: 'Unlock with the system keychain' })).toBeNull();
  });
});

describe('WorkspaceScreen: a workspace you already belong to', () => {
  it('opens only after the user ticks that they compared its fingerprint, and sends that fingerprint', async () => {
    const ipc = appIpc(sessionState({ setup: { ...sessionState().setup, workspace: null } }));
    ipc.on('onboarding.existingWorkspaces', () => ({
      workspaces: [
        { id: 'acme', displayName: 'Acme', fingerprint: FP, you: { name: 'bob', permissions: [] } },
      ],
    }));
    ipc.on('onboarding.openWorkspace', () => sessionState());
    render(<App binding={binding(ipc)} />);
    await screen.findByRole('heading', { name: 'You are already a member of' });
    const open = screen.getByRole('button', { name: 'Open' });
    expect((open as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(
      screen.getByLabelText('I compared this fingerprint with an administrator of Acme'),
    );
    expect((open as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(open);
    await waitFor(() =>
      expect(ipc.calls.find((c) => c.channel === 'onboarding.openWorkspace')?.request).toEqual({
        workspaceId: 'acme',
        expectFingerprint: FP,
      }),
    );
  });
});

describe('EmergencyKitScreen', () => {
  it('shows the words, then asks for three of them back', async () => {
    const ipc = fakeIpc();
    const words = Array.from({ length: 24 }, (_, i) => `word${i + 1}`);
    ipc.on('onboarding.emergencyKit', () => ({
      title: 'Backbone Emergency Kit v1',
      words,
      confirm: [2, 9, 17],
    }));
    ipc.on('onboarding.confirmEmergencyKit', () => sessionState());
    const { unmount } = render(<EmergencyKitScreen />);
    const list = await screen.findByTestId('kit-words');
    expect(list.querySelectorAll('li')).toHaveLength(24);
    fireEvent.click(screen.getByRole('button', { name: 'I have written them down' }));
    for (const position of [2, 9, 17]) {
      fireEvent.change(screen.getByLabelText(`Word ${position}`), {
        target: { value: `word${position}` },
      });
    }
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() =>
      expect(ipc.calls.at(-1)).toEqual({
        channel: 'onboarding.confirmEmergencyKit',
        request: {
          answers: [
            { position: 2, word: 'word2' },
            { position: 9, word: 'word9' },
            { position: 17, word: 'word17' },
          ],
        },
      }),
    );
    expect(ipc.calls.filter((c) => c.channel === 'onboarding.emergencyKit')).toHaveLength(1);
    // The words are forgotten by the renderer when the screen closes.
    unmount();
    expect(useOnboardingStore.getState().kit).toBeNull();
  });
});

describe('MembersScreen', () => {
  const view: WorkspaceView = {
    id: 'home',
    displayName: 'Home',
    created: '2026-01-01T00:00:00.000Z',
    fingerprint: FP,
    genesisHash: 'g',
    head: { seq: 1, hash: 'h' },
    namingKeyGeneration: 1,
    members: [
      {
        name: 'ada',
        address: 'bb1a',
        safetyNumber: FP,
        permissions: ['ROOT'],
        addedAt: 0,
        you: true,
      },
      {
        name: 'bob',
        address: 'bb1b',
        safetyNumber: FP,
        permissions: ['STORE_USE'],
        addedAt: 1,
        you: false,
      },
    ],
    you: {
      name: 'ada',
      address: 'bb1a',
      safetyNumber: FP,
      permissions: ['ROOT'],
      addedAt: 0,
      you: true,
    },
    canManage: true,
    verifiedAt: '2026-01-01T00:00:00.000Z',
  };

  it('adds a member only after the user confirms they compared the safety number', async () => {
    const ipc = fakeIpc();
    ipc.on('members.workspace', () => view);
    ipc.on('members.inspectInvitation', () => ({
      name: 'cy',
      fingerprint: FP,
      address: 'bb1c',
      nameTaken: false,
    }));
    ipc.on('members.import', () => view.members[1]);
    render(<MembersScreen />);
    await screen.findByTestId('member-bob');
    fireEvent.change(screen.getByLabelText('Invitation'), { target: { value: 'bbinvite1.cy' } });
    fireEvent.click(screen.getByRole('button', { name: 'Check invitation' }));
    const add = await screen.findByRole('button', { name: 'Add cy' });
    expect((add as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText(/I compared the safety number with cy/));
    expect((add as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(add);
    await waitFor(() => expect(ipc.calls.some((c) => c.channel === 'members.import')).toBe(true));
  });

  it('hides management from members without ROOT or USER_MANAGE', async () => {
    const ipc = fakeIpc();
    ipc.on('members.workspace', () => ({ ...view, canManage: false }));
    render(<MembersScreen />);
    await screen.findByTestId('member-bob');
    expect(screen.queryByRole('heading', { name: 'Add a member' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
  });

  it('asks before removing and says the naming key is rotated', async () => {
    const ipc = fakeIpc();
    ipc.on('members.workspace', () => view);
    ipc.on('members.remove', () => ({ removed: 'bob', namingKeyGeneration: 2 }));
    render(<MembersScreen />);
    await screen.findByTestId('member-bob');
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove bob?' });
    expect(dialog.textContent).toContain('naming key');
    fireEvent.click(screen.getByRole('button', { name: 'Remove bob' }));
    await waitFor(() => expect(ipc.calls.some((c) => c.channel === 'members.remove')).toBe(true));
  });
});

describe('SettingsScreen', () => {
  it('has no quick-unlock setting where the core offers none (browser mode)', async () => {
    const ipc = fakeIpc();
    ipc.on('settings.get', () => settings);
    render(<SettingsScreen onAbout={() => undefined} />);
    await screen.findByRole('heading', { name: 'Appearance' });
    expect(screen.queryByRole('heading', { name: 'Quick unlock' })).toBeNull();
  });

  it('shows the quick-unlock setting (off) where there is a keychain, and changes the theme', async () => {
    const ipc = fakeIpc();
    ipc.on('settings.get', () => ({ ...settings, quickUnlock: { enabled: false } }));
    ipc.on('settings.update', (request) => ({ ...settings, ...(request as object) }));
    render(<SettingsScreen onAbout={() => undefined} />);
    expect(await screen.findByRole('heading', { name: 'Quick unlock' })).toBeTruthy();
    fireEvent.click(screen.getByLabelText('Dark'));
    await waitFor(() => expect(useSettingsStore.getState().settings?.theme).toBe('dark'));
  });
});
