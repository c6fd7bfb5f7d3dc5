/** Settings › Password hashing strength: the Argon2id preset, confirmed with the password. */
import { useState } from 'react';
import type { Settings } from '../../../src-shared/ipc/contract.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { PasswordConfirmForm } from './PasswordConfirmForm.js';
import { Section } from './Section.js';

const MiB = 1024 * 1024;

const STRENGTHS = [
  { label: 'Standard', opslimit: 3, memlimit: 256 * MiB },
  { label: 'Stronger', opslimit: 6, memlimit: 256 * MiB },
  // the ceiling of docs/crypto.md: 2 GiB·passes
  { label: 'Strongest', opslimit: 4, memlimit: 512 * MiB },
];

export function KdfSection({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  const current = settings.kdf.current;
  const [choice, setChoice] = useState(0);
  return (
    <Section id="set-kdf" title="Password hashing strength">
      <p className="muted">
        How hard Backbone makes each guess at your password (Argon2id). Stronger settings make
        unlocking slower and need more memory.
        {current && ` Now: ${current.opslimit} passes, ${Math.round(current.memlimit / MiB)} MiB.`}
      </p>
      <PasswordConfirmForm
        submitLabel="Apply"
        busy={busy}
        onConfirm={(password) => {
          const preset = STRENGTHS[choice]!;
          return run('settings.changeKdf', {
            password,
            params: { opslimit: preset.opslimit, memlimit: preset.memlimit },
          });
        }}
      >
        <div className="field inline">
          <label htmlFor="kdf-preset">Strength</label>
          <select
            id="kdf-preset"
            value={choice}
            onChange={(e) => setChoice(Number(e.target.value))}
          >
            {STRENGTHS.map((s, i) => (
              <option key={s.label} value={i}>
                {s.label} ({s.opslimit} passes, {Math.round(s.memlimit / MiB)} MiB)
              </option>
            ))}
          </select>
        </div>
      </PasswordConfirmForm>
    </Section>
  );
}
