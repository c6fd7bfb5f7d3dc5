/** Settings of this device: one section per file in `settings/`. */
import { useEffect } from 'react';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { OperationProgress } from '../components/Progress.js';
import { useSettingsStore } from '../stores/settings-store.js';
import { AppearanceSection } from './settings/AppearanceSection.js';
import { EmergencyKitSection } from './settings/EmergencyKitSection.js';
import { KdfSection } from './settings/KdfSection.js';
import { LockingSection } from './settings/LockingSection.js';
import { PasswordAccessSection } from './settings/PasswordAccessSection.js';
import { PasswordSection } from './settings/PasswordSection.js';
import { QuickUnlockSection } from './settings/QuickUnlockSection.js';
import { Section } from './settings/Section.js';
import { ServerSection } from './settings/ServerSection.js';

export function SettingsScreen({ onAbout }: { onAbout: () => void }) {
  const { settings, error, load, clearError } = useSettingsStore();
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <main className="screen" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ErrorNotice error={error} onDismiss={clearError} />
      <OperationProgress />
      {settings && (
        <>
          <AppearanceSection settings={settings} />
          <LockingSection settings={settings} />
          <PasswordSection />
          <PasswordAccessSection settings={settings} />
          <QuickUnlockSection settings={settings} />
          <EmergencyKitSection />
          <KdfSection settings={settings} />
          <ServerSection settings={settings} />
          <Section id="set-about" title="About">
            <button type="button" onClick={onAbout}>
              About Backbone and its status
            </button>
          </Section>
        </>
      )}
    </main>
  );
}
