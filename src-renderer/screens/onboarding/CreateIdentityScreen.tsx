/** First run, step 1: your name and the password that protects your keys on this device. */
import { useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { OperationProgress } from '../../components/Progress.js';
import { useOnboardingStore } from '../../stores/onboarding-store.js';
import { useSessionStore } from '../../stores/session-store.js';
import { useNewPassword } from './NewPasswordFields.js';

export function CreateIdentityScreen() {
  const [displayName, setDisplayName] = useState('');
  const { fields, value } = useNewPassword([displayName]);
  const { run, busy, error, clearError } = useSessionStore();
  const choose = useOnboardingStore((s) => s.choose);
  return (
    <main className="screen narrow" aria-labelledby="create-title">
      <p className="step">Step 1 of 4</p>
      <h1 id="create-title">Create your identity</h1>
      <p className="lede">
        Backbone makes your keys on this device and locks them with this password. The password
        never leaves this device. If you forget it, your Emergency Kit (next step) gets you back in.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!value.ready || displayName.trim() === '') return;
          void run('onboarding.createIdentity', {
            displayName: displayName.trim(),
            password: value.password,
            acceptWeak: value.acceptWeak,
          });
        }}
      >
        <div className="field">
          <label htmlFor="display-name">Your name</label>
          <input
            id="display-name"
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            autoComplete="name"
            maxLength={100}
            required
            aria-describedby="display-name-hint"
          />
          <p className="hint" id="display-name-hint">
            Shown to the people you work with.
          </p>
        </div>
        {fields}
        <ErrorNotice error={error} onDismiss={clearError} />
        <OperationProgress />
        <div className="actions">
          <button type="button" className="ghost" onClick={() => choose('welcome')} disabled={busy}>
            Back
          </button>
          <button
            type="submit"
            className="primary"
            disabled={busy || !value.ready || displayName.trim() === ''}
          >
            Create identity
          </button>
        </div>
      </form>
    </main>
  );
}
