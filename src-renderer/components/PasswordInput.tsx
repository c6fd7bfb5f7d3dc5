/** A password field with a visible label and a show/hide toggle. The value stays in React state. */
import { useId, useState, type InputHTMLAttributes } from 'react';

export interface PasswordInputProps extends Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'type' | 'onChange' | 'value'
> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
}

export function PasswordInput({ label, value, onChange, hint, id, ...rest }: PasswordInputProps) {
  const autoId = useId();
  const inputId = id ?? autoId;
  const hintId = `${inputId}-hint`;
  const [shown, setShown] = useState(false);
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      <div className="password-row">
        <input
          id={inputId}
          type={shown ? 'text' : 'password'}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          spellCheck={false}
          autoCapitalize="off"
          aria-describedby={hint ? hintId : undefined}
          {...rest}
        />
        <button
          type="button"
          className="ghost"
          aria-pressed={shown}
          aria-label={shown ? `Hide ${label.toLowerCase()}` : `Show ${label.toLowerCase()}`}
          onClick={() => setShown((s) => !s)}
        >
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
