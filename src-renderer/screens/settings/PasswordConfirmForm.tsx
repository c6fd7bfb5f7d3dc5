/**
 * The form a setting asks for the user's password with before the core changes something: what
 * it explains (children, above the field), the password, one button. The password is cleared
 * once the change succeeded; it is never kept outside this form's state.
 */
import { useState, type ReactNode } from 'react';
import { PasswordInput } from '../../components/PasswordInput.js';

export interface PasswordConfirmFormProps {
  submitLabel: string;
  /** An action is running: the button waits. */
  busy: boolean;
  /** Runs the change with the password; true when it succeeded. */
  onConfirm: (password: string) => Promise<boolean>;
  children?: ReactNode;
}

export function PasswordConfirmForm({
  submitLabel,
  busy,
  onConfirm,
  children,
}: PasswordConfirmFormProps) {
  const [password, setPassword] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void onConfirm(password).then((ok) => ok && setPassword(''));
      }}
    >
      {children}
      <PasswordInput
        label="Your password"
        value={password}
        onChange={setPassword}
        autoComplete="current-password"
      />
      <div className="actions start">
        <button type="submit" disabled={busy || !password}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
