/** Says when the store on screen is the copy saved on this device and changes must wait. */
import type { ConnectionState, VaultSnapshot } from '../../../src-shared/ipc/contract.js';
import { formatDateTime } from './format.js';
import './OfflineBanner.css';

export function OfflineBanner({
  snapshot,
  connection,
}: {
  snapshot: VaultSnapshot | null;
  connection: ConnectionState | null;
}) {
  const offline = snapshot?.source === 'cache' || connection?.online === false;
  if (!offline) return null;
  const reason = snapshot?.offlineReason ?? connection?.reason ?? null;
  return (
    <div className="notice notice-warning vault-offline" role="status" data-testid="offline-banner">
      <p>
        Offline — showing the copy saved on this device at{' '}
        {snapshot ? formatDateTime(snapshot.fetchedAt) : 'an earlier time'}. Changes are disabled
        until the server is back.
      </p>
      {reason && <p className="small">{reason}</p>}
    </div>
  );
}
