/** Settings of this device. */
import { useEffect, useState, type ReactNode } from 'react';
import type { Settings, Theme } from '../../src-shared/ipc/contract.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { KitWords } from '../components/KitWords.js';
import { OperationProgress } from '../components/Progress.js';
import { PasswordInput } from '../components/PasswordInput.js';
import { useSessionStore } from '../stores/session-store.js';
import { useSettingsStore } from '../stores/settings-store.js';
import { useNewPassword } from './onboarding/NewPasswordFields.js';

const MiB = 1024 * 1024;
const AUTO_LOCK_CHOICES = [1, 5, 10, 15, 30, 60, 240, 0];

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Appearance({ settings }: { settings: Settings }) {
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

function Locking({ settings }: { settings: Settings }) {
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

function ChangePassword() {
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
          <button
            type="submit"
            className="primary"
            disabled={busy !== null || !current || !value.ready}
          >
            Change password
          </button>
        </div>
      </form>
    </Section>
  );
}

const STRENGTHS = [
  { label: 'Standard', opslimit: 3, memlimit: 256 * MiB },
  { label: 'Stronger', opslimit: 6, memlimit: 256 * MiB },
  // the ceiling of docs/crypto.md: 2 GiB·passes
  { label: 'Strongest', opslimit: 4, memlimit: 512 * MiB },
];

function KdfStrength({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  const current = settings.kdf.current;
  const [choice, setChoice] = useState(0);
  const [password, setPassword] = useState('');
  return (
    <Section id="set-kdf" title="Password hashing strength">
      <p className="muted">
        How hard Backbone makes each guess at your password (Argon2id). Stronger settings make
        unlocking slower and need more memory.
        {current && ` Now: ${current.opslimit} passes, ${Math.round(current.memlimit / MiB)} MiB.`}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const preset = STRENGTHS[choice]!;
          void run('settings.changeKdf', {
            password,
            params: { opslimit: preset.opslimit, memlimit: preset.memlimit },
          }).then((ok) => ok && setPassword(''));
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
        <PasswordInput
          label="Your password"
          value={password}
          onChange={setPassword}
          autoComplete="current-password"
        />
        <div className="actions start">
          <button type="submit" disabled={busy !== null || !password}>
            Apply
          </button>
        </div>
      </form>
    </Section>
  );
}

function PasswordAccess({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  const [password, setPassword] = useState('');
  if (!settings.passwordAccess.possible) return null;
  return (
    <Section id="set-pa" title="Sign in on new devices">
      {settings.passwordAccess.enabled ? (
        <p data-testid="password-access-on">
          On: you can sign in on a new device with your server, workspace, member name and password.
          The server keeps only a verifier and your keys locked under your password.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('settings.enablePasswordAccess', { password }).then(
              (ok) => ok && setPassword(''),
            );
          }}
        >
          <p className="muted">
            Off. Turn it on to sign in on a new device with just your password. Choose a strong
            password first: whoever holds the server's data could try to guess it.
          </p>
          <PasswordInput
            label="Your password"
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
          />
          <div className="actions start">
            <button type="submit" disabled={busy !== null || !password}>
              Turn on
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}

function QuickUnlock({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  const [password, setPassword] = useState('');
  if (!settings.quickUnlock) return null; // not offered where there is no OS keychain
  return (
    <Section id="set-quick" title="Quick unlock">
      {settings.quickUnlock.enabled ? (
        <>
          <p>On: the system keychain can unlock Backbone on this device without your password.</p>
          <button
            type="button"
            onClick={() => void run('settings.setQuickUnlock', { enabled: false })}
          >
            Turn off
          </button>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run('settings.setQuickUnlock', { enabled: true, password }).then(
              (ok) => ok && setPassword(''),
            );
          }}
        >
          <p className="muted">
            Off. When on, the system keychain keeps a key that unlocks Backbone on this device, so
            anyone logged in as you here can unlock it.
          </p>
          <PasswordInput
            label="Your password"
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
          />
          <div className="actions start">
            <button type="submit" disabled={busy !== null || !password}>
              Turn on
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}

function EmergencyKit() {
  const { kit, revealKit, hideKit, busy } = useSettingsStore();
  const session = useSessionStore((s) => s.session);
  const [password, setPassword] = useState('');
  useEffect(() => () => hideKit(), [hideKit]);
  return (
    <Section id="set-kit" title="Emergency Kit">
      {kit ? (
        <>
          <p className="notice notice-warning">
            Make sure nobody can see your screen. Hide the words when you are done.
          </p>
          <KitWords title={kit.title} words={kit.words} owner={session?.identity?.displayName} />
          <div className="actions start">
            <button type="button" onClick={() => window.print()}>
              Print or save as PDF…
            </button>
            <button type="button" className="primary" onClick={hideKit}>
              Hide the words
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void revealKit(password).then((ok) => ok && setPassword(''));
          }}
        >
          <p className="muted">Show your 24 words again, to make a new copy.</p>
          <PasswordInput
            label="Your password"
            value={password}
            onChange={setPassword}
            autoComplete="current-password"
          />
          <div className="actions start">
            <button type="submit" disabled={busy !== null || !password}>
              Show Emergency Kit
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}

function Server({ settings }: { settings: Settings }) {
  const { run, busy } = useSettingsStore();
  const [url, setUrl] = useState('');
  const server = settings.server;
  if (!server) return null;
  return (
    <Section id="set-server" title="Server">
      <dl className="facts">
        <dt>Server</dt>
        <dd>{server.mode === 'embedded' ? 'Built into this app' : 'Remote'}</dd>
        <dt>Address</dt>
        <dd>
          <code data-testid="server-url">{server.url}</code>
        </dd>
        <dt>Server id</dt>
        <dd>
          <code>{server.serverId}</code>
        </dd>
        {settings.embeddedServerDir && (
          <>
            <dt>Its data</dt>
            <dd>
              <code>{settings.embeddedServerDir}</code>
            </dd>
          </>
        )}
      </dl>
      {server.mode === 'embedded' ? (
        <p className="hint">
          Other Backbone apps on this computer can join your workspace with this address as a remote
          server.
        </p>
      ) : (
        <form
          className="field inline"
          onSubmit={(e) => {
            e.preventDefault();
            void run('settings.changeServerUrl', { url }).then((ok) => ok && setUrl(''));
          }}
        >
          <label htmlFor="new-server-url">The server moved to</label>
          <input
            id="new-server-url"
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <button type="submit" disabled={busy !== null || !url}>
            Change address
          </button>
        </form>
      )}
    </Section>
  );
}

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
          <Appearance settings={settings} />
          <Locking settings={settings} />
          <ChangePassword />
          <PasswordAccess settings={settings} />
          <QuickUnlock settings={settings} />
          <EmergencyKit />
          <KdfStrength settings={settings} />
          <Server settings={settings} />
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
