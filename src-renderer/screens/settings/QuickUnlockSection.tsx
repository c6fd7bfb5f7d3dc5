/** Settings › Quick unlock (the OS keychain): turn off, or turn on with the password. */
import type { Settings } from '../../../src-shared/ipc/contract.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { PasswordConfirmForm } from './PasswordConfirmForm.js';
import { Section } from './Section.js';

export function QuickUnlockSection({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  if (!settings.quickUnlock) return null; // not offered where there is no OS keychain
  return (
    <Section id="set-quick" title="Quick unlock">
      {settings.quickUnlock.enabled ? (
        <>
          <p>On: the system keychain can unlock Backbone on this device without your password.</p>
          <button
            type="button"
            onClick={() => void run('settings.setQuickUnlock', { enabled: false })}
          >
            Turn off
          </button>
        </>
      ) : (
        <PasswordConfirmForm
          submitLabel="Turn on"
          busy={busy}
          onConfirm={(password) => run('settings.setQuickUnlock', { enabled: true, password })}
        >
          <p className="muted">
            Off. When on, the system keychain keeps a key that unlocks Backbone on this device, so
            anyone logged in as you here can unlock it.
          </p>
        </PasswordConfirmForm>
      )}
    </Section>
  );
}
