/**
 * The app shell. The screen follows the core's session state: no identity → onboarding;
 * locked → unlock; unlocked during setup → the next onboarding step; unlocked with a
 * workspace → the main screen.
 */
import { useEffect, useState } from 'react';
import { StatusScreen } from './screens/StatusScreen.js';
import type { RendererBinding } from './bridge/ipc.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { VerificationBanner } from './components/VerificationBanner.js';
import { useActivityReporter, useLockShortcut, useTheme } from './hooks.js';
import { ipc, setIpcClient } from './stores/ipc-client.js';
import { useMembersStore } from './stores/members-store.js';
import { useOnboardingStore } from './stores/onboarding-store.js';
import { useSessionStore } from './stores/session-store.js';
import { useSettingsStore } from './stores/settings-store.js';
import { useStatusStore } from './stores/status-store.js';
import { useVaultStore } from './stores/vault-store.js';
import { MainScreen } from './screens/MainScreen.js';
import { UnlockScreen } from './screens/UnlockScreen.js';
import { CreateIdentityScreen } from './screens/onboarding/CreateIdentityScreen.js';
import { EmergencyKitScreen } from './screens/onboarding/EmergencyKitScreen.js';
import { JoinWaitingScreen } from './screens/onboarding/JoinWaitingScreen.js';
import { RestoreScreen } from './screens/onboarding/RestoreScreen.js';
import { ServerScreen } from './screens/onboarding/ServerScreen.js';
import { SignInScreen } from './screens/onboarding/SignInScreen.js';
import { WelcomeScreen } from './screens/onboarding/WelcomeScreen.js';
import { WorkspaceScreen } from './screens/onboarding/WorkspaceScreen.js';

function CurrentScreen() {
  const session = useSessionStore((s) => s.session);
  const path = useOnboardingStore((s) => s.path);
  const status = useStatusStore();
  if (!session) {
    return (
      <main className="screen narrow">
        <p aria-live="polite">Connecting to the app core…</p>
      </main>
    );
  }
  if (session.state === 'none') {
    if (path === 'create') return <CreateIdentityScreen />;
    if (path === 'signin') return <SignInScreen />;
    if (path === 'restore') return <RestoreScreen />;
    return <WelcomeScreen />;
  }
  if (session.state === 'locked') {
    return path === 'restore' ? <RestoreScreen /> : <UnlockScreen />;
  }
  const setup = session.setup;
  if (!setup.kitConfirmed) return <EmergencyKitScreen />;
  if (!setup.server) return <ServerScreen />;
  if (!setup.workspace) {
    return setup.join ? <JoinWaitingScreen join={setup.join} /> : <WorkspaceScreen />;
  }
  return (
    <MainScreen
      status={status.status}
      statusError={status.error}
      onRetryStatus={() => void status.load(ipc())}
    />
  );
}

export function App({ binding }: { binding: RendererBinding }) {
  const statusStore = useStatusStore();
  const { session, load, setSession, setProgress, lock, run } = useSessionStore();
  const settings = useSettingsStore((s) => s.settings);

  useEffect(() => {
    setIpcClient(binding.client);
    const { client } = binding;
    void statusStore.load(client);
    void load();
    void useSettingsStore.getState().load();
    const stops = [
      client.subscribe('app.statusChanged', statusStore.setStatus),
      client.subscribe('session.changed', (next) => {
        setSession(next);
        if (next.state !== 'unlocked') {
          useMembersStore.getState().reset();
          useVaultStore.getState().reset();
          useSettingsStore.getState().hideKit();
          useOnboardingStore.getState().forgetKit();
        }
      }),
      client.subscribe('session.progress', setProgress),
      client.subscribe('members.changed', (view) => useMembersStore.getState().setWorkspace(view)),
      client.subscribe('settings.changed', (next) => useSettingsStore.getState().setSettings(next)),
      binding.onConnectionChange((state) => {
        statusStore.setConnection(state);
        if (state === 'open') {
          void statusStore.load(client);
          void load();
        }
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }, [binding]);

  const unlocked = session?.state === 'unlocked';
  const inMain = unlocked && Boolean(session?.setup.workspace) && session.setup.kitConfirmed;
  const [showAbout, setShowAbout] = useState(false);
  // Locked however it happened (our own lock answer may come before the pushed event): the store
  // view, its undo offer and a pending clipboard clear do not outlive the session.
  useEffect(() => {
    if (!unlocked) useVaultStore.getState().reset();
  }, [unlocked]);
  useActivityReporter(unlocked);
  useLockShortcut(unlocked, () => void lock());
  useTheme(settings?.theme);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand" aria-label="Backbone">
          <span className="brand-mark" aria-hidden="true" />
          Backbone
        </span>
        {session?.setup.workspace && unlocked && (
          <span className="topbar-workspace">{session.setup.workspace.displayName}</span>
        )}
        {!inMain && (
          <button
            type="button"
            className="ghost about-button"
            aria-pressed={showAbout}
            onClick={() => setShowAbout((v) => !v)}
          >
            {showAbout ? 'Back' : 'About'}
          </button>
        )}
        {unlocked && (
          <button
            type="button"
            className="ghost lock-button"
            onClick={() => void lock()}
            aria-keyshortcuts="Control+L Meta+L"
            title="Lock (Ctrl+L)"
          >
            Lock
          </button>
        )}
      </header>
      {binding.kind === 'browser' && <ConnectionBanner connection={statusStore.connection} />}
      {session && (
        <VerificationBanner
          verification={session.verification}
          onDismiss={() => void run('members.dismissVerificationWarning', {})}
        />
      )}
      {showAbout && !inMain ? (
        <StatusScreen
          status={statusStore.status}
          loading={statusStore.loading}
          error={statusStore.error}
          onRetry={() => void statusStore.load(ipc())}
        />
      ) : (
        <CurrentScreen />
      )}
    </div>
  );
}
