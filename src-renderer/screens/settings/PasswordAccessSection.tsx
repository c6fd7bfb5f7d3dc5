/** Settings › Sign in on new devices (password access): on, or turn it on with the password. */
import type { Settings } from '../../../src-shared/ipc/contract.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { PasswordConfirmForm } from './PasswordConfirmForm.js';
import { Section } from './Section.js';

export function PasswordAccessSection({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  if (!settings.passwordAccess.possible) return null;
  return (
    <Section id="set-pa" title="Sign in on new devices">
      {settings.passwordAccess.enabled ? (
        <p data-testid="password-access-on">
          On: you can sign in on a new device with your server, workspace, member name and password.
          The server keeps only a verifier and your keys locked under your password.
        </p>
      ) : (
        <PasswordConfirmForm
          submitLabel="Turn on"
          busy={busy}
          onConfirm={(password) => run('settings.enablePasswordAccess', { password })}
        >
          <p className="muted">
            Off. Turn it on to sign in on a new device with just your password. Choose a strong
            password first: whoever holds the server's data could try to guess it.
          </p>
        </PasswordConfirmForm>
      )}
    </Section>
  );
}
