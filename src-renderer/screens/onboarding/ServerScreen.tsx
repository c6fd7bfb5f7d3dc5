/** First run, step 3: where the encrypted data lives. */
import { useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { OperationProgress } from '../../components/Progress.js';
import { useSessionStore } from '../../stores/session-store.js';
import './ServerScreen.css';

export function ServerScreen() {
  const [mode, setMode] = useState<'embedded' | 'remote'>('embedded');
  const [url, setUrl] = useState('');
  const { run, busy, error, clearError } = useSessionStore();
  return (
    <main className="screen narrow" aria-labelledby="server-title">
      <p className="step">Step 3 of 4</p>
      <h1 id="server-title">Choose a server</h1>
      <p className="lede">
        The server stores and relays encrypted data. It never sees your keys or your secrets, and
        Backbone checks everything it says that matters.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run(
            'onboarding.chooseServer',
            mode === 'embedded' ? { mode } : { mode, url: url.trim() },
          );
        }}
      >
        <fieldset className="radio-cards">
          <legend className="visually-hidden">Server</legend>
          <label className={`radio-card${mode === 'embedded' ? ' selected' : ''}`}>
            <input
              type="radio"
              name="server-mode"
              value="embedded"
              checked={mode === 'embedded'}
              onChange={() => setMode('embedded')}
            />
            <span>
              <strong>A server inside this app (recommended to start)</strong>
              <span className="muted">
                Backbone runs its own server on this computer and keeps its data in the app's data
                folder. Other apps on this computer can use it too.
              </span>
            </span>
          </label>
          <label className={`radio-card${mode === 'remote' ? ' selected' : ''}`}>
            <input
              type="radio"
              name="server-mode"
              value="remote"
              checked={mode === 'remote'}
              onChange={() => setMode('remote')}
            />
            <span>
              <strong>A server someone runs for your team</strong>
              <span className="muted">Enter the address your administrator gave you.</span>
            </span>
          </label>
        </fieldset>
        {mode === 'remote' && (
          <div className="field">
            <label htmlFor="server-url">Server address</label>
            <input
              id="server-url"
              type="url"
              placeholder="https://backbone.example.org"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              autoFocus
            />
          </div>
        )}
        <ErrorNotice error={error} onDismiss={clearError} />
        <OperationProgress fallbackLabel="Contacting the server…" />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || (mode === 'remote' && !url)}>
            {mode === 'embedded' ? 'Use the built-in server' : 'Connect'}
          </button>
        </div>
      </form>
    </main>
  );
}
