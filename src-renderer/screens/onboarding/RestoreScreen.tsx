/** Restore from the Emergency Kit: the 24 words and a new password for this device. */
import { useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { OperationProgress } from '../../components/Progress.js';
import { useOnboardingStore } from '../../stores/onboarding-store.js';
import { useSessionStore } from '../../stores/session-store.js';
import { useNewPassword } from './NewPasswordFields.js';

export function RestoreScreen() {
  const { session, run, busy, error, clearError } = useSessionStore();
  const choose = useOnboardingStore((s) => s.choose);
  const existing = session?.identity ?? null;
  const [words, setWords] = useState('');
  const [displayName, setDisplayName] = useState('');
  const { fields, value } = useNewPassword([displayName, existing?.displayName ?? '']);
  const count = words.trim() === '' ? 0 : words.trim().split(/\s+/).length;
  return (
    <main className="screen narrow" aria-labelledby="restore-title">
      <h1 id="restore-title">Restore from your Emergency Kit</h1>
      <p className="lede">
        {existing
          ? `Forgot your password? Enter the 24 words of ${existing.displayName}’s Emergency Kit and choose a new password for this device.`
          : 'Enter the 24 words of your Emergency Kit, in order, and choose a password for this device.'}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run('onboarding.restoreFromKit', {
            words,
            password: value.password,
            acceptWeak: value.acceptWeak,
            ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
          }).then((ok) => {
            if (ok) {
              setWords('');
              choose('welcome');
            }
          });
        }}
      >
        <div className="field">
          <label htmlFor="kit-input">The 24 words</label>
          <textarea
            id="kit-input"
            value={words}
            onChange={(e) => setWords(e.target.value)}
            rows={4}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            aria-describedby="kit-count"
            required
          />
          <p className="hint" id="kit-count" aria-live="polite">
            {count} of 24 words
          </p>
        </div>
        {!existing && (
          <div className="field">
            <label htmlFor="restore-name">Your name</label>
            <input
              id="restore-name"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              maxLength={100}
              required
            />
          </div>
        )}
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
            disabled={busy || count !== 24 || !value.ready || (!existing && !displayName.trim())}
          >
            Restore
          </button>
        </div>
      </form>
    </main>
  );
}
