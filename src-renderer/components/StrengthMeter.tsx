/**
 * Password strength as the user types (zxcvbn-ts, loaded on first use: its dictionaries are
 * large). The same policy is enforced again by the core.
 */
import { useEffect, useState } from 'react';
import type * as StrengthModule from '../../src-shared/ipc/password-strength.js';
import type { PasswordStrength } from '../../src-shared/ipc/password-strength.js';
import './StrengthMeter.css';

type Checker = typeof StrengthModule;
let checker: Promise<Checker> | undefined;
function loadChecker(): Promise<Checker> {
  checker ??= import('../../src-shared/ipc/password-strength.js');
  return checker;
}

export function usePasswordStrength(
  password: string,
  userInputs: string[],
): PasswordStrength | null {
  const [strength, setStrength] = useState<PasswordStrength | null>(null);
  const inputs = userInputs.join('\u0000');
  useEffect(() => {
    let live = true;
    if (password === '') {
      setStrength(null);
      return;
    }
    void loadChecker().then((module) => {
      if (live) setStrength(module.passwordStrength(password, inputs.split('\u0000')));
    });
    return () => {
      live = false;
    };
  }, [password, inputs]);
  return strength;
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'];

export function StrengthMeter({ strength }: { strength: PasswordStrength | null }) {
  const score = strength ? (strength.tooShort ? 0 : strength.score) : 0;
  const label = strength ? (strength.tooShort ? 'Too short' : LABELS[score]) : 'Not entered yet';
  return (
    <div className="strength" data-testid="strength-meter">
      <div
        className={`strength-bar strength-${score}`}
        role="meter"
        aria-label="Password strength"
        aria-valuemin={0}
        aria-valuemax={4}
        aria-valuenow={score}
        aria-valuetext={label}
      >
        <span style={{ width: `${strength ? ((score + 1) / 5) * 100 : 0}%` }} />
      </div>
      <p className="hint" aria-live="polite">
        <strong>{label}</strong>
        {strength && !strength.tooShort && ` — would take ${strength.crackTime} to guess offline.`}
        {strength?.warning && ` ${strength.warning}`}
        {strength && !strength.strong && strength.suggestions[0] && ` ${strength.suggestions[0]}`}
      </p>
    </div>
  );
}
