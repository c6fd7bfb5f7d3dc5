/** Settings › Locking and clipboard: the idle lock and how long a copied secret stays. */
import { useState } from 'react';
import type { Settings } from '../../../src-shared/ipc/contract.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { Section } from './Section.js';

const AUTO_LOCK_CHOICES = [1, 5, 10, 15, 30, 60, 240, 0];

export function LockingSection({ settings }: { settings: Settings }) {
  const run = useSettingsStore((s) => s.run);
  const [clipboard, setClipboard] = useState(String(settings.clipboardSeconds));
  return (
    <Section id="set-lock" title="Locking and clipboard">
      <div className="field inline">
        <label htmlFor="auto-lock">Lock after being idle for</label>
        <select
          id="auto-lock"
          value={settings.autoLockMinutes}
          onChange={(e) => void run('settings.update', { autoLockMinutes: Number(e.target.value) })}
        >
          {AUTO_LOCK_CHOICES.map((m) => (
            <option key={m} value={m}>
              {m === 0
                ? 'Never'
                : m < 60
                  ? `${m} minute${m === 1 ? '' : 's'}`
                  : `${m / 60} hour${m === 60 ? '' : 's'}`}
            </option>
          ))}
        </select>
      </div>
      <p className="hint">
        Backbone also locks when the computer sleeps or its screen locks (desktop app), and at once
        with Ctrl+L (⌘L on a Mac).
      </p>
      <form
        className="field inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run('settings.update', { clipboardSeconds: Number(clipboard) });
        }}
      >
        <label htmlFor="clipboard">Clear copied secrets after (seconds)</label>
        <input
          id="clipboard"
          type="number"
          min={5}
          max={600}
          value={clipboard}
          onChange={(e) => setClipboard(e.target.value)}
        />
        <button type="submit" disabled={Number(clipboard) === settings.clipboardSeconds}>
          Save
        </button>
      </form>
    </Section>
  );
}
