/** Settings › Password: change it (the current one, then the new one twice). */
import { useState } from 'react';
import { PasswordInput } from '../../components/PasswordInput.js';
import { useSessionStore } from '../../stores/session-store.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { useNewPassword } from '../onboarding/NewPasswordFields.js';
import { Section } from './Section.js';

export function PasswordSection() {
  const { run, busy } = useSettingsStore();
  const [current, setCurrent] = useState('');
  const [done, setDone] = useState(false);
  const { fields, value } = useNewPassword([], { password: 'New password' });
  const [key, setKey] = useState(0);
  return (
    <Section id="set-password" title="Password">
      <form
        key={key}
        onSubmit={(e) => {
          e.preventDefault();
          void run('settings.changePassword', {
            currentPassword: current,
            newPassword: value.password,
            acceptWeak: value.acceptWeak,
          }).then((ok) => {
            if (ok) {
              setCurrent('');
              setDone(true);
              setKey((k) => k + 1);
            }
          });
        }}
      >
        <PasswordInput
          label="Current password"
          value={current}
          onChange={(v) => {
            setCurrent(v);
            setDone(false);
          }}
          autoComplete="current-password"
        />
        {fields}
        {done && (
          <p className="notice notice-ok" role="status">
            Password changed. Use the new one from now on
            {useSessionStore.getState().session?.passwordAccess ? ', on new devices too' : ''}.
          </p>
        )}
        <div className="actions start">
          <button type="submit" className="primary" disabled={busy || !current || !value.ready}>
            Change password
          </button>
        </div>
      </form>
    </Section>
  );
}
