/**
 * First run, step 2: the Emergency Kit. The 24 words are shown once (print or save as PDF with
 * the browser's print dialog), then three of them are typed back to show they were written down.
 */
import { useEffect, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { KitWords } from '../../components/KitWords.js';
import { useOnboardingStore } from '../../stores/onboarding-store.js';
import { useSessionStore } from '../../stores/session-store.js';

export function EmergencyKitScreen() {
  const { kit, error: kitError, loadKit, forgetKit } = useOnboardingStore();
  const { run, busy, error, clearError, session } = useSessionStore();
  const [stage, setStage] = useState<'show' | 'confirm'>('show');
  const [answers, setAnswers] = useState<Record<number, string>>({});
  // Asked once when the screen opens; forgotten when it closes (the session moves on).
  useEffect(() => {
    void loadKit();
    return () => forgetKit();
  }, [loadKit, forgetKit]);
  if (kitError) return <ErrorNotice error={kitError} />;
  if (!kit) return <p className="screen">Preparing your Emergency Kit…</p>;
  return (
    <main className="screen" aria-labelledby="kit-title">
      <p className="step">Step 2 of 4</p>
      <h1 id="kit-title">Your Emergency Kit</h1>
      {stage === 'show' ? (
        <>
          <p className="lede">
            These 24 words <strong>are</strong> your identity. With them you can get back in if you
            forget your password or lose this device. Write them down on paper, or print this page,
            and keep it somewhere safe. Never type them into a website or share a photo of them.
          </p>
          <KitWords title={kit.title} words={kit.words} owner={session?.identity?.displayName} />
          <div className="actions">
            <button type="button" className="ghost" onClick={() => window.print()}>
              Print or save as PDF…
            </button>
            <button type="button" className="primary" onClick={() => setStage('confirm')}>
              I have written them down
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void run('onboarding.confirmEmergencyKit', {
              answers: kit.confirm.map((position) => ({
                position,
                word: answers[position] ?? '',
              })),
            });
          }}
        >
          <p className="lede">To make sure your copy is right, type these words from it.</p>
          {kit.confirm.map((position, i) => (
            <div className="field inline" key={position}>
              <label htmlFor={`kit-word-${position}`}>Word {position}</label>
              <input
                id={`kit-word-${position}`}
                value={answers[position] ?? ''}
                onChange={(e) => setAnswers({ ...answers, [position]: e.target.value })}
                autoComplete="off"
                spellCheck={false}
                autoFocus={i === 0}
                required
              />
            </div>
          ))}
          <ErrorNotice error={error} onDismiss={clearError} />
          <div className="actions">
            <button
              type="button"
              className="ghost"
              onClick={() => setStage('show')}
              disabled={busy}
            >
              Show the words again
            </button>
            <button type="submit" className="primary" disabled={busy}>
              Confirm
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
