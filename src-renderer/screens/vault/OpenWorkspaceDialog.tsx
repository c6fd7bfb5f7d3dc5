/**
 * Opening a workspace this device never verified: the user compares its fingerprint with an
 * administrator first (a malicious server could list a look-alike). The core then checks the
 * workspace's log against that fingerprint.
 */
import { useState } from 'react';
import { Dialog } from '../../components/Dialog.js';
import { Fingerprint } from '../../components/Fingerprint.js';
import type { WorkspaceItem } from '../../stores/vault-store.js';
import { useVaultStore } from '../../stores/vault-store.js';

export function OpenWorkspaceDialog({
  workspace,
  onClose,
}: {
  workspace: WorkspaceItem;
  onClose: () => void;
}) {
  const switchWorkspace = useVaultStore((s) => s.switchWorkspace);
  const busy = useVaultStore((s) => s.busy);
  const [compared, setCompared] = useState(false);
  const name = workspace.displayName;
  const fingerprint = workspace.fingerprint;

  return (
    <Dialog title={`Open ${name}?`} onClose={onClose}>
      <p>
        This device has not opened {name} before. Ask one of its administrators to read you the
        workspace fingerprint (Members, at the bottom) and compare every digit. Backbone then checks
        the workspace against it, so a server cannot show you a look-alike.
      </p>
      {fingerprint === null ? (
        <p role="alert">The server cannot be reached: connect first to see the fingerprint.</p>
      ) : (
        <>
          <Fingerprint value={fingerprint} label={`Fingerprint of ${name}`} />
          <label className="check">
            <input
              type="checkbox"
              checked={compared}
              onChange={(e) => setCompared(e.target.checked)}
            />
            I compared this fingerprint with an administrator of {name}
          </label>
        </>
      )}
      <div className="actions">
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={busy || !compared || fingerprint === null}
          onClick={() =>
            // Either way the dialog closes: a refusal (e.g. another fingerprint) is shown on
            // the store screen like any other error.
            void switchWorkspace(workspace.id, fingerprint ?? undefined).then(onClose)
          }
        >
          Open workspace
        </button>
      </div>
    </Dialog>
  );
}
