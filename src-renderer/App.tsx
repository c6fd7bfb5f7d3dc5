import { useEffect } from 'react';
import type { RendererBinding } from './bridge/ipc.js';
import { useStatusStore } from './stores/status-store.js';
import { StatusScreen } from './screens/StatusScreen.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';

export function App({ binding }: { binding: RendererBinding }) {
  const { status, loading, error, connection, load, setStatus, setConnection } = useStatusStore();

  useEffect(() => {
    void load(binding.client);
    const stopEvents = binding.client.subscribe('app.statusChanged', setStatus);
    const stopConnection = binding.onConnectionChange((state) => {
      setConnection(state);
      if (state === 'open') void load(binding.client);
    });
    return () => {
      stopEvents();
      stopConnection();
    };
  }, [binding, load, setStatus, setConnection]);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand" aria-label="Backbone">
          <span className="brand-mark" aria-hidden="true" />
          Backbone
        </span>
      </header>
      {binding.kind === 'browser' && <ConnectionBanner connection={connection} />}
      <StatusScreen
        status={status}
        loading={loading}
        error={error}
        onRetry={() => void load(binding.client)}
      />
    </div>
  );
}
