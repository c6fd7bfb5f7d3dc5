/**
 * One entry: its path, who changed it last, version, expiry, and what you can do with it.
 *
 * A revealed value lives only in this component's state while shown: Hide drops it, a new
 * version drops it, and the parent keys this component by path, so selecting another entry drops
 * it too, as does locking (the whole screen goes away).
 */
import { useEffect, useId, useState } from 'react';
import type { RevealedEntry, VaultEntry } from '../../../src-shared/ipc/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import type { UiError } from '../../stores/errors.js';
import { useVaultStore } from '../../stores/vault-store.js';
import { OFFLINE_REASON, accessWords, has, writeBlocked } from './access.js';
import { EditEntryDialog } from './EntryDialog.js';
import { formatDateTime } from './format.js';
import { SharingDialog } from './SharingDialog.js';
import './EntryView.css';

export function EntryView({
  entry,
  you,
  offline,
}: {
  entry: VaultEntry;
  you: string;
  offline: boolean;
}) {
  const reveal = useVaultStore((s) => s.reveal);
  const copy = useVaultStore((s) => s.copy);
  const deleteEntry = useVaultStore((s) => s.deleteEntry);
  const busy = useVaultStore((s) => s.busy);
  const [shown, setShown] = useState<RevealedEntry | null>(null);
  const [revealing, setRevealing] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [editing, setEditing] = useState(false);
  const [sharing, setSharing] = useState(false);
  // A new version (saved here or by someone else) hides the old value.
  useEffect(() => setShown(null), [entry.version]);
  const titleId = useId();
  const hintId = useId();

  const readBlocked = has(entry.access, 'READ') ? null : 'You cannot read this entry.';
  const editBlocked = writeBlocked(offline, entry.access, ['READ', 'WRITE'], 'change this entry');
  const deleteBlocked = writeBlocked(offline, entry.access, ['DELETE'], 'delete this entry');
  // Offline is said by the banner above; the buttons' titles still say it.
  const reasons = [
    ...new Set(
      [readBlocked, editBlocked, deleteBlocked].filter(
        (reason): reason is string => reason !== null && reason !== OFFLINE_REASON,
      ),
    ),
  ];

  const toggleReveal = async () => {
    if (shown) {
      setShown(null);
      return;
    }
    setRevealing(true);
    const result = await reveal(entry.path);
    setRevealing(false);
    setError(result.ok ? null : result.error);
    if (result.ok) setShown(result.value);
  };

  return (
    <section className="entry-view" aria-labelledby={titleId}>
      <h2 id={titleId} className="entry-path">
        {entry.path}
      </h2>
      <p className="entry-meta">
        Last changed by <strong>{entry.writer}</strong>
        {entry.writer === you && ' (you)'} · version {entry.version}
      </p>
      <dl className="facts entry-facts">
        <dt>Expires</dt>
        <dd>
          {entry.expiresAt ? formatDateTime(entry.expiresAt) : 'Never'}
          {entry.expired && (
            <>
              {' '}
              <span className="badge badge-expired">expired</span>
            </>
          )}
        </dd>
        <dt>Your access</dt>
        <dd>{accessWords(entry.access)}</dd>
      </dl>

      <div className="secret-box">
        <span className="secret-label">Value</span>
        {shown ? (
          <pre className="secret-value" data-testid="entry-value">
            {shown.value}
          </pre>
        ) : (
          <span className="secret-hidden">
            <span aria-hidden="true">••••••••••••</span>
            <span className="visually-hidden">Hidden</span>
          </span>
        )}
      </div>

      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <div className="actions start entry-actions">
        <button
          type="button"
          aria-pressed={shown !== null}
          disabled={revealing || readBlocked !== null}
          title={readBlocked ?? (shown ? 'Hide the value' : 'Show the value')}
          aria-describedby={readBlocked && reasons.length > 0 ? hintId : undefined}
          onClick={() => void toggleReveal()}
        >
          {shown ? 'Hide' : 'Reveal'}
        </button>
        <button
          type="button"
          disabled={readBlocked !== null}
          title={readBlocked ?? 'Copy the value (Ctrl+C); the clipboard is cleared afterwards'}
          aria-describedby={readBlocked && reasons.length > 0 ? hintId : undefined}
          aria-keyshortcuts="Control+C Meta+C"
          onClick={() => void copy(entry.path)}
        >
          Copy
        </button>
        <button
          type="button"
          disabled={editBlocked !== null}
          title={editBlocked ?? 'Change the value or expiry'}
          aria-describedby={editBlocked && reasons.length > 0 ? hintId : undefined}
          onClick={() => setEditing(true)}
        >
          Edit
        </button>
        <button type="button" title="Who can use this entry" onClick={() => setSharing(true)}>
          Share
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy || deleteBlocked !== null}
          title={deleteBlocked ?? 'Delete (you can undo for a few seconds)'}
          aria-describedby={deleteBlocked && reasons.length > 0 ? hintId : undefined}
          onClick={() => void deleteEntry(entry.path)}
        >
          Delete
        </button>
      </div>
      {reasons.length > 0 && (
        <ul className="hint plain disabled-reasons" id={hintId}>
          {reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      {editing && <EditEntryDialog entry={entry} shown={shown} onClose={() => setEditing(false)} />}
      {sharing && (
        <SharingDialog
          target={{ path: entry.path, kind: 'entry' }}
          offline={offline}
          onClose={() => setSharing(false)}
        />
      )}
    </section>
  );
}
