/**
 * First run, step 4: create a workspace, join one, or open one you already belong to. Opening
 * one (after a join, a sign-in with the password or a restore) needs the user to compare its
 * fingerprint with an administrator first: the core pins it only then (a malicious server could
 * list a look-alike workspace).
 */
import { useEffect, useState } from 'react';
import type { IpcResponse } from '../../../src-shared/ipc/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { Fingerprint } from '../../components/Fingerprint.js';
import { OperationProgress } from '../../components/Progress.js';
import { PasswordInput } from '../../components/PasswordInput.js';
import { ipc } from '../../stores/ipc-client.js';
import { useSessionStore } from '../../stores/session-store.js';

type Existing = IpcResponse<'onboarding.existingWorkspaces'>['workspaces'];

function suggestName(displayName: string | undefined): string {
  const base = (displayName ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9._-]+/g, '')
    .slice(0, 32);
  return /^[a-z0-9]/.test(base) ? base : '';
}

export function WorkspaceScreen() {
  const { session, run, busy, error, clearError } = useSessionStore();
  const [tab, setTab] = useState<'create' | 'join'>('create');
  const [existing, setExisting] = useState<Existing>([]);
  const [username, setUsername] = useState(() => suggestName(session?.identity?.displayName));
  const [displayName, setDisplayName] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [passwordAccess, setPasswordAccess] = useState(true);
  const [password, setPassword] = useState('');
  /** Workspace ids whose fingerprint the user says they compared. */
  const [compared, setCompared] = useState<ReadonlySet<string>>(new Set());

  useEffect(() => {
    let live = true;
    ipc()
      .invoke('onboarding.existingWorkspaces', {})
      .then((answer) => live && setExisting(answer.workspaces))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  return (
    <main className="screen narrow" aria-labelledby="workspace-title">
      <p className="step">Step 4 of 4</p>
      <h1 id="workspace-title">Your workspace</h1>
      <p className="lede">
        A workspace is the group you share with — your household or your team. Its member list is
        signed by its administrators and checked by every device.
      </p>
      {existing.length > 0 && (
        <section className="panel" aria-labelledby="existing-title">
          <h2 id="existing-title">You are already a member of</h2>
          <p className="hint">
            Ask one of its administrators to read you the workspace fingerprint (Members, at the
            bottom) and compare every digit before you open it. Backbone then checks the workspace
            against it, so a server cannot show you a look-alike.
          </p>
          <ul className="plain">
            {existing.map((w) => (
              <li key={w.id} className="row">
                <span>
                  <strong>{w.displayName}</strong>{' '}
                  <span className="muted">
                    ({w.id}) as {w.you.name}
                  </span>
                  <Fingerprint value={w.fingerprint} label={`Fingerprint of ${w.displayName}`} />
                  <label className="check">
                    <input
                      type="checkbox"
                      checked={compared.has(w.id)}
                      onChange={(e) =>
                        setCompared((before) => {
                          const next = new Set(before);
                          if (e.target.checked) next.add(w.id);
                          else next.delete(w.id);
                          return next;
                        })
                      }
                    />
                    I compared this fingerprint with an administrator of {w.displayName}
                  </label>
                </span>
                <button
                  type="button"
                  className="primary"
                  disabled={busy || !compared.has(w.id)}
                  onClick={() =>
                    void run('onboarding.openWorkspace', {
                      workspaceId: w.id,
                      expectFingerprint: w.fingerprint,
                    })
                  }
                >
                  Open
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="tabs" role="tablist" aria-label="Create or join">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'create'}
          className={tab === 'create' ? 'tab active' : 'tab'}
          onClick={() => setTab('create')}
        >
          Create a workspace
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'join'}
          className={tab === 'join' ? 'tab active' : 'tab'}
          onClick={() => setTab('join')}
        >
          Join a workspace
        </button>
      </div>
      <div className="field">
        <label htmlFor="member-name">Your member name</label>
        <input
          id="member-name"
          value={username}
          onChange={(e) => setUsername(e.target.value.toLowerCase())}
          pattern="[a-z0-9][a-z0-9._\-]{0,63}"
          autoComplete="username"
          required
          aria-describedby="member-name-hint"
        />
        <p className="hint" id="member-name-hint">
          Lower-case letters, digits, “.”, “_” or “-”. Others see it in the member list.
        </p>
      </div>
      {tab === 'create' ? (
        <form
          role="tabpanel"
          aria-label="Create a workspace"
          onSubmit={(event) => {
            event.preventDefault();
            void run('onboarding.createWorkspace', {
              displayName: displayName.trim(),
              username,
              ...(workspaceId.trim() ? { workspaceId: workspaceId.trim() } : {}),
              ...(passwordAccess ? { password } : {}),
            }).then((ok) => ok && setPassword(''));
          }}
        >
          <div className="field">
            <label htmlFor="workspace-name">Workspace name</label>
            <input
              id="workspace-name"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              maxLength={100}
              required
            />
          </div>
          <div className="field">
            <label htmlFor="workspace-id">Short id (optional)</label>
            <input
              id="workspace-id"
              value={workspaceId}
              onChange={(e) => setWorkspaceId(e.target.value)}
              pattern="[A-Za-z0-9][A-Za-z0-9_\-]{2,63}"
              aria-describedby="workspace-id-hint"
            />
            <p className="hint" id="workspace-id-hint">
              Something people can type when they join, like “smith-family”. Random if empty.
            </p>
          </div>
          <label className="check">
            <input
              type="checkbox"
              checked={passwordAccess}
              onChange={(e) => setPasswordAccess(e.target.checked)}
            />
            <span>
              Let me sign in on a new device with just my password
              <span className="muted"> (the server keeps a verifier, never the password)</span>
            </span>
          </label>
          {passwordAccess && (
            <PasswordInput
              label="Your password (the one you just chose)"
              value={password}
              onChange={setPassword}
              autoComplete="current-password"
              required
            />
          )}
          <ErrorNotice error={error} onDismiss={clearError} />
          <OperationProgress fallbackLabel="Creating the workspace…" />
          <div className="actions">
            <button
              type="submit"
              className="primary"
              disabled={busy || !displayName.trim() || !username || (passwordAccess && !password)}
            >
              Create workspace
            </button>
          </div>
        </form>
      ) : (
        <form
          role="tabpanel"
          aria-label="Join a workspace"
          onSubmit={(event) => {
            event.preventDefault();
            void run('onboarding.startJoin', {
              username,
              ...(workspaceId.trim() ? { workspaceId: workspaceId.trim() } : {}),
              ...(fingerprint.trim() ? { expectFingerprint: fingerprint.trim() } : {}),
            });
          }}
        >
          <div className="field">
            <label htmlFor="join-workspace-id">Workspace id (optional)</label>
            <input
              id="join-workspace-id"
              value={workspaceId}
              onChange={(e) => setWorkspaceId(e.target.value)}
              pattern="[A-Za-z0-9][A-Za-z0-9_\-]{2,63}"
            />
          </div>
          <div className="field">
            <label htmlFor="join-fingerprint">
              Workspace fingerprint from the administrator (optional)
            </label>
            <input
              id="join-fingerprint"
              value={fingerprint}
              onChange={(e) => setFingerprint(e.target.value)}
              inputMode="numeric"
              aria-describedby="join-fingerprint-hint"
            />
            <p className="hint" id="join-fingerprint-hint">
              60 digits. If you enter it, Backbone refuses a workspace with another fingerprint and
              opens the workspace by itself once you are added; if not, you compare it when you are
              added, before the workspace is opened.
            </p>
          </div>
          <ErrorNotice error={error} onDismiss={clearError} />
          <OperationProgress fallbackLabel="Preparing your invitation…" />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy || !username}>
              Make my invitation
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
