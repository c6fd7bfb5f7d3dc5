/** Locked: the password (Argon2id runs in the core with a progress bar), or quick unlock. */
import { useState } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { OperationProgress } from '../components/Progress.js';
import { PasswordInput } from '../components/PasswordInput.js';
import { useOnboardingStore } from '../stores/onboarding-store.js';
import { useSessionStore } from '../stores/session-store.js';
import './UnlockScreen.css';

export function UnlockScreen() {
  const { session, unlock, run, busy, error, clearError } = useSessionStore();
  const choose = useOnboardingStore((s) => s.choose);
  const [password, setPassword] = useState('');
  const identity = session?.identity;
  return (
    <main className="screen narrow unlock" aria-labelledby="unlock-title">
      <div className="lock-mark" aria-hidden="true" />
      <h1 id="unlock-title">Backbone is locked</h1>
      {identity && (
        <p className="lede">
          {identity.displayName}
          {session?.setup.workspace ? ` · ${session.setup.workspace.displayName}` : ''}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!password) return;
          void unlock(password).then((ok) => ok && setPassword(''));
        }}
      >
        <PasswordInput
          label="Password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          autoFocus
          required
        />
        <ErrorNotice error={error} onDismiss={clearError} />
        <OperationProgress fallbackLabel="Unlocking…" />
        <div className="actions">
          {session?.quickUnlock && (
            <button
              type="button"
              className="ghost"
              disabled={busy}
              onClick={() => void run('session.quickUnlock', {})}
            >
              Unlock with the system keychain
            </button>
          )}
          <button type="submit" className="primary" disabled={busy || !password}>
            Unlock
          </button>
        </div>
      </form>
      <p className="muted small">
        Forgot your password?{' '}
        <button type="button" className="link" onClick={() => choose('restore')}>
          Restore with your Emergency Kit
        </button>
      </p>
    </main>
  );
}
