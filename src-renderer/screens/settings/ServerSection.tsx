/** Settings › Server: where the workspace's server is, and its new address when it moved. */
import { useState } from 'react';
import type { Settings } from '../../../src-shared/ipc/contract.js';
import { useSettingsStore } from '../../stores/settings-store.js';
import { Section } from './Section.js';

export function ServerSection({ settings }: { settings: Settings }) {
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
          <button type="submit" disabled={busy || !url}>
            Change address
          </button>
        </form>
      )}
    </Section>
  );
}
