/** Settings › Appearance: the theme. */
import type { Settings, Theme } from '../../../src-shared/ipc/contract.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { Section } from './Section.js';
import './AppearanceSection.css';

export function AppearanceSection({ settings }: { settings: Settings }) {
  const run = useSettingsStore((s) => s.run);
  return (
    <Section id="set-theme" title="Appearance">
      <fieldset className="segmented">
        <legend>Theme</legend>
        {(['system', 'light', 'dark'] as Theme[]).map((theme) => (
          <label key={theme} className={settings.theme === theme ? 'selected' : ''}>
            <input
              type="radio"
              name="theme"
              value={theme}
              checked={settings.theme === theme}
              onChange={() => void run('settings.update', { theme })}
            />
            {theme === 'system' ? 'Same as the system' : theme === 'light' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>
    </Section>
  );
}
