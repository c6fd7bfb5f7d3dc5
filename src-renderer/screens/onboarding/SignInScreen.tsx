/** A new device with only the password (password access). */
import { useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { OperationProgress } from '../../components/Progress.js';
import { PasswordInput } from '../../components/PasswordInput.js';
import { useOnboardingStore } from '../../stores/onboarding-store.js';
import { useSessionStore } from '../../stores/session-store.js';

export function SignInScreen() {
  const { run, busy, error, clearError } = useSessionStore();
  const choose = useOnboardingStore((s) => s.choose);
  const [serverUrl, setServerUrl] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  return (
    <main className="screen narrow" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in with your password</h1>
      <p className="lede">
        Works if you turned on “sign in on a new device with my password” on your first device. Your
        password is checked with the server without ever being sent to it.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run('onboarding.signInWithPassword', {
            serverUrl: serverUrl.trim(),
            workspaceId: workspaceId.trim(),
            username: username.trim(),
            password,
            ...(fingerprint.trim() ? { expectFingerprint: fingerprint.trim() } : {}),
          });
        }}
      >
        <div className="field">
          <label htmlFor="signin-server">Server address</label>
          <input
            id="signin-server"
            type="url"
            value={serverUrl}
            onChange={(e) => setServerUrl(e.target.value)}
            placeholder="https://backbone.example.org"
            required
          />
        </div>
        <div className="field">
          <label htmlFor="signin-workspace">Workspace id</label>
          <input
            id="signin-workspace"
            value={workspaceId}
            onChange={(e) => setWorkspaceId(e.target.value)}
            required
          />
        </div>
        <div className="field">
          <label htmlFor="signin-username">Member name</label>
          <input
            id="signin-username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
            required
          />
        </div>
        <PasswordInput
          label="Password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
          required
        />
        <div className="field">
          <label htmlFor="signin-fingerprint">Workspace fingerprint (optional)</label>
          <input
            id="signin-fingerprint"
            value={fingerprint}
            onChange={(e) => setFingerprint(e.target.value)}
            inputMode="numeric"
            aria-describedby="signin-fingerprint-hint"
          />
          <p className="hint" id="signin-fingerprint-hint">
            60 digits from an administrator. Without it you compare the fingerprint after signing
            in, before the workspace is opened.
          </p>
        </div>
        <ErrorNotice error={error} onDismiss={clearError} />
        <OperationProgress fallbackLabel="Signing in…" />
        <div className="actions">
          <button type="button" className="ghost" onClick={() => choose('welcome')} disabled={busy}>
            Back
          </button>
          <button
            type="submit"
            className="primary"
            disabled={busy || !serverUrl || !workspaceId || !username || !password}
          >
            Sign in
          </button>
        </div>
      </form>
    </main>
  );
}
