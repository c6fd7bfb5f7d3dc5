/** Unlocked, with a workspace: the app's sections. The store browser is the default. */
import { useState } from 'react';
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import type { UiError } from '../stores/errors.js';
import { MembersScreen } from './MembersScreen.js';
import { MembershipLogScreen } from './MembershipLogScreen.js';
import { SettingsScreen } from './SettingsScreen.js';
import { StatusScreen } from './StatusScreen.js';
import { VaultScreen } from './vault/VaultScreen.js';

export type Section = 'vault' | 'members' | 'log' | 'settings' | 'about';

const NAV: Array<{ id: Section; label: string }> = [
  { id: 'vault', label: 'Store' },
  { id: 'members', label: 'Members' },
  { id: 'log', label: 'Membership log' },
  { id: 'settings', label: 'Settings' },
  { id: 'about', label: 'About' },
];

export function MainScreen({
  status,
  statusError,
  onRetryStatus,
}: {
  status: AppStatus | null;
  statusError: UiError | null;
  onRetryStatus: () => void;
}) {
  const [section, setSection] = useState<Section>('vault');
  return (
    <div className="main-layout">
      <nav className="sidebar" aria-label="Sections">
        <ul>
          {NAV.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className={section === item.id ? 'nav-item active' : 'nav-item'}
                aria-current={section === item.id ? 'page' : undefined}
                onClick={() => setSection(item.id)}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className={section === 'vault' ? 'content content-vault' : 'content'}>
        {section === 'vault' && <VaultScreen />}
        {section === 'members' && <MembersScreen />}
        {section === 'log' && <MembershipLogScreen />}
        {section === 'settings' && <SettingsScreen onAbout={() => setSection('about')} />}
        {section === 'about' && (
          <StatusScreen
            status={status}
            loading={!status}
            error={statusError}
            onRetry={onRetryStatus}
          />
        )}
      </div>
    </div>
  );
}
