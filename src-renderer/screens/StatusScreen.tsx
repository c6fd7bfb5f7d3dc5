/** About/Status: the app version, the core's status and the data directory, fetched over IPC. */
import type { AppStatus } from '../../src-shared/ipc/contract.js';
import type { UiError } from '../stores/errors.js';

export interface StatusScreenProps {
  status: AppStatus | null;
  loading: boolean;
  error: UiError | null;
  onRetry: () => void;
}

const CORE_LABEL: Record<AppStatus['core'], string> = {
  starting: 'Starting…',
  ready: 'Ready',
  stopping: 'Shutting down',
};

export function StatusScreen({ status, loading, error, onRetry }: StatusScreenProps) {
  return (
    <main className="screen" aria-labelledby="status-title">
      <h1 id="status-title">About Backbone</h1>
      <p className="lede">
        An end-to-end encrypted vault. Your keys stay in the app core on this device; this window
        only shows what it is told.
      </p>
      {error && (
        <div className="notice notice-error" role="alert">
          <p>{error.message}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      {loading && !status && <p aria-live="polite">Asking the app core…</p>}
      {status && (
        <dl className="facts" aria-label="App status">
          <dt>Version</dt>
          <dd data-testid="status-version">{status.version}</dd>
          <dt>App core</dt>
          <dd data-testid="status-core">
            <span className={`pill pill-${status.core}`}>{CORE_LABEL[status.core]}</span>
          </dd>
          <dt>Data directory</dt>
          <dd data-testid="status-data-dir">
            <code>{status.dataDir}</code>
          </dd>
          <dt>Running as</dt>
          <dd data-testid="status-runtime">
            {status.runtime === 'electron' ? 'Desktop app' : 'Browser mode (local bridge)'}
          </dd>
          <dt>Platform</dt>
          <dd>{status.platform}</dd>
          <dt>Node.js</dt>
          <dd>{status.nodeVersion}</dd>
          <dt>Core started</dt>
          <dd>
            <time dateTime={status.startedAt}>{new Date(status.startedAt).toLocaleString()}</time>
          </dd>
        </dl>
      )}
    </main>
  );
}
