/** Settings › Emergency Kit: show the 24 words again (with the password), then hide them. */
import { useEffect } from 'react';
import { KitWords } from '../../components/KitWords.js';
import { useSessionStore } from '../../stores/session-store.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { PasswordConfirmForm } from './PasswordConfirmForm.js';
import { Section } from './Section.js';

export function EmergencyKitSection() {
  const { kit, revealKit, hideKit, busy } = useSettingsStore();
  const session = useSessionStore((s) => s.session);
  useEffect(() => () => hideKit(), [hideKit]);
  return (
    <Section id="set-kit" title="Emergency Kit">
      {kit ? (
        <>
          <p className="notice notice-warning">
            Make sure nobody can see your screen. Hide the words when you are done.
          </p>
          <KitWords title={kit.title} words={kit.words} owner={session?.identity?.displayName} />
          <div className="actions start">
            <button type="button" onClick={() => window.print()}>
              Print or save as PDF…
            </button>
            <button type="button" className="primary" onClick={hideKit}>
              Hide the words
            </button>
          </div>
        </>
      ) : (
        <PasswordConfirmForm submitLabel="Show Emergency Kit" busy={busy} onConfirm={revealKit}>
          <p className="muted">Show your 24 words again, to make a new copy.</p>
        </PasswordConfirmForm>
      )}
    </Section>
  );
}
