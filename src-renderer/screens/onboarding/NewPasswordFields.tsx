/** Choosing a password: twice, with the strength meter and an explicit "use it anyway". */
import { useState } from 'react';
import { PasswordInput } from '../../components/PasswordInput.js';
import { StrengthMeter, usePasswordStrength } from '../../components/StrengthMeter.js';

export interface NewPassword {
  password: string;
  /** Filled, repeated correctly, long enough, and strong or insisted on. */
  ready: boolean;
  acceptWeak: boolean;
}

export function useNewPassword(userInputs: string[], labels = { password: 'Password' }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [insist, setInsist] = useState(false);
  const strength = usePasswordStrength(password, userInputs);
  const weak = strength !== null && !strength.strong;
  const matches = repeat === password;
  const ready =
    strength !== null && !strength.tooShort && matches && password !== '' && (!weak || insist);
  const fields = (
    <>
      <PasswordInput
        label={labels.password}
        value={password}
        onChange={setPassword}
        autoComplete="new-password"
        hint="Long is strong: four or five unrelated words are easy to remember and hard to guess."
      />
      <StrengthMeter strength={strength} />
      <PasswordInput
        label={`Repeat the ${labels.password.toLowerCase()}`}
        value={repeat}
        onChange={setRepeat}
        autoComplete="new-password"
      />
      {repeat !== '' && !matches && (
        <p className="field-error" role="status">
          The two passwords differ.
        </p>
      )}
      {weak && !strength.tooShort && (
        <label className="check warn">
          <input type="checkbox" checked={insist} onChange={(e) => setInsist(e.target.checked)} />
          <span>
            Use this weak password anyway. I understand that whoever gets a copy of my keyfile or
            the server's data could guess it.
          </span>
        </label>
      )}
    </>
  );
  const value: NewPassword = { password, ready, acceptWeak: weak && insist };
  return { fields, value };
}
